// The scope checksum, computed exactly as the server computes its own: the XOR, over the
// records the server put in the scope, of FNV-1a 64 of "coll/id/v" at the server version the
// local copy is based on, as 16 hex digits. Local edits do not change it.

const offset = 0xcbf29ce484222325n;
const prime = 0x100000001b3n;
const mask = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/** FNV-1a 64 of "coll/id/v" (the UTF-8 bytes, as Go hashes a string). */
export function recordHash(coll: string, id: string, v: number): bigint {
  let h = offset;
  for (const b of encoder.encode(`${coll}/${id}/${v}`)) {
    h ^= BigInt(b);
    h = (h * prime) & mask;
  }
  return h;
}

/** The checksum of a set of (coll, id, v), as the server writes it. */
export function checksumOf(entries: Iterable<{ coll: string; id: string; v: number }>): string {
  let sum = 0n;
  for (const e of entries) sum ^= recordHash(e.coll, e.id, e.v);
  return sum.toString(16).padStart(16, "0");
}
