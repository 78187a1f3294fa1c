// One sync loop at a time, across tabs too. Web Locks (every current browser, Android WebView
// included) hold a named lock for as long as a promise runs and free it when a tab dies. Where
// they are missing (older in-app browsers, Node), a lease in IndexedDB does the same: a
// readwrite transaction takes it atomically (IndexedDB serialises overlapping readwrite
// transactions across tabs), a running holder renews it, and a lease of a dead tab expires.
import type { DB } from "./store.js";

const leaseMs = 30_000;

export class SyncLock {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly owner = Math.random().toString(36).slice(2);

  constructor(private readonly db: DB, private readonly name: string) {}

  /** Runs f while holding the lock; waits for the holder, in this tab or another, to finish. */
  run<T>(f: () => Promise<T>): Promise<T> {
    const next = this.tail.then(() => this.acrossTabs(f));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private acrossTabs<T>(f: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (locks?.request) return locks.request(this.name, () => f()) as Promise<T>;
    return this.withLease(f);
  }

  private async withLease<T>(f: () => Promise<T>): Promise<T> {
    for (let wait = 20; !(await this.take()); wait = Math.min(wait * 2, 1000)) {
      await new Promise((r) => setTimeout(r, wait));
    }
    const renew = setInterval(() => void this.take(), leaseMs / 3);
    try {
      return await f();
    } finally {
      clearInterval(renew);
      const tx = this.db.transaction("locks", "readwrite");
      const cur = await tx.store.get(this.name);
      if (cur?.owner === this.owner) await tx.store.delete(this.name);
      await tx.done;
    }
  }

  private async take(): Promise<boolean> {
    const tx = this.db.transaction("locks", "readwrite");
    const cur = await tx.store.get(this.name);
    const now = Date.now();
    const free = !cur || cur.owner === this.owner || cur.until < now;
    if (free) await tx.store.put({ name: this.name, owner: this.owner, until: now + leaseMs });
    await tx.done;
    return free;
  }
}
