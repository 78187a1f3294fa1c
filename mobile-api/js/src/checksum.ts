// The scope checksum, computed exactly as the server computes its own: the XOR, over the
// records the server put in the scope, of FNV-1a 64 of "coll/id/v" at the server version the
// local copy is based on, as 16 hex digits. Local edits do not change it.
//
// The 64-bit arithmetic runs on two 32-bit halves in plain numbers: a first sync checksums
// every record it holds, and BigInt multiplication was most of that time.

const encoder = new TextEncoder();

// The halves of the last hash, so that hashing allocates nothing.
let hi = 0, lo = 0;

/** FNV-1a 64 of s's UTF-8 bytes (as Go hashes a string) into hi and lo. */
function fnv1a64(s: string): void {
  hi = 0xcbf29ce4;
  lo = 0x84222325; // the offset basis
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return fnvBytes(encoder.encode(s));
    step(c);
  }
}

function fnvBytes(bytes: Uint8Array): void {
  hi = 0xcbf29ce4;
  lo = 0x84222325;
  for (const b of bytes) step(b);
}

function step(b: number): void {
  lo = (lo ^ b) >>> 0;
  // h *= 0x100000001b3 (mod 2^64), which is h*0x1b3 + h<<40: lo*0x1b3 < 2^41 is exact in a
  // double; h<<40 only reaches the high half, as lo<<8.
  const t = lo * 0x1b3;
  hi = (Math.imul(hi, 0x1b3) + Math.floor(t / 0x100000000) + (lo << 8)) >>> 0;
  lo = t >>> 0;
}

/** FNV-1a 64 of "coll/id/v" (the UTF-8 bytes, as Go hashes a string). */
export function recordHash(coll: string, id: string, v: number): bigint {
  fnv1a64(`${coll}/${id}/${v}`);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The checksum of a set of (coll, id, v), as the server writes it. */
export function checksumOf(entries: Iterable<{ coll: string; id: string; v: number }>): string {
  const sum = new RunningSum();
  for (const e of entries) sum.toggle(e.coll, e.id, e.v);
  return sum.toString();
}

/**
 * A checksum kept up to date as a scope's membership changes: XOR is its own inverse, so a
 * record's hash at its old version is taken out and at its new one put in, and the scope's
 * checksum is known without reading its rows.
 */
export class RunningSum {
  private hi = 0;
  private lo = 0;

  /** The running sum a stored checksum stands for; null when it is not 16 hex digits (damaged or absent). */
  static parse(s: string | undefined): RunningSum | null {
    if (s === undefined || !/^[0-9a-f]{16}$/.test(s)) return null;
    const sum = new RunningSum();
    sum.hi = parseInt(s.slice(0, 8), 16);
    sum.lo = parseInt(s.slice(8), 16);
    return sum;
  }

  /** Puts (coll, id, v) in the sum, or takes it out when it is in. */
  toggle(coll: string, id: string, v: number): void {
    fnv1a64(`${coll}/${id}/${v}`);
    this.hi = (this.hi ^ hi) >>> 0;
    this.lo = (this.lo ^ lo) >>> 0;
  }

  toString(): string {
    return this.hi.toString(16).padStart(8, "0") + this.lo.toString(16).padStart(8, "0");
  }
}
