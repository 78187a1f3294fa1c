// Pulling early: PocketBase's realtime (SSE) topic fieldsync/sync pokes the scopes a write
// moved, and the browser's online/offline events start or stop the loop. Read over fetch's
// stream rather than EventSource, which cannot send the Authorization header and is missing
// in Node and some WebViews.
import type { Client } from "./client.js";

export interface LiveOptions {
  /** Pull at least this often while online (ms); default 5 minutes. */
  intervalMs?: number;
}

/**
 * Keeps the store in sync while the app runs: syncs at once, on every poke, on going online,
 * and on a timer. Returns a stop function. Errors are reported through the "sync" event.
 */
export function live(c: Client, opts: LiveOptions = {}): () => void {
  let stopped = false;
  let abort: AbortController | null = null;
  const run = () => { if (!stopped) c.sync().catch(() => undefined); };
  const target = globalThis as unknown as { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void };
  const online = () => { c.emit("network", { online: true }); run(); connect(); };
  const offline = () => { c.emit("network", { online: false }); abort?.abort(); };
  target.addEventListener?.("online", online);
  target.addEventListener?.("offline", offline);
  const timer = setInterval(run, opts.intervalMs ?? 300_000);
  const connect = () => {
    if (stopped) return;
    abort?.abort();
    abort = new AbortController();
    subscribe(c, abort.signal, run).catch(() => undefined).finally(() => {
      if (!stopped && !abort?.signal.aborted) setTimeout(connect, 5_000);
    });
  };
  run();
  connect();
  return () => {
    stopped = true;
    abort?.abort();
    clearInterval(timer);
    target.removeEventListener?.("online", online);
    target.removeEventListener?.("offline", offline);
  };
}

/** Subscribes to fieldsync/sync and calls onPoke for each poke until the signal aborts. */
export async function subscribe(c: Client, signal: AbortSignal, onPoke: (scopes: string[]) => void): Promise<void> {
  const res = await c.raw("GET", "/api/realtime", { signal, headers: { Accept: "text/event-stream" } }, false);
  if (!res.ok || !res.body) throw new Error(`realtime: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = "", data = "", id = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
        else if (line.startsWith("id:")) id = line.slice(3).trim();
      }
      if (event === "PB_CONNECT") {
        const clientId = (JSON.parse(data) as { clientId?: string }).clientId ?? id;
        await c.send("POST", "/api/realtime", { clientId, subscriptions: ["fieldsync/sync"] });
      } else if (event === "fieldsync/sync") {
        onPoke((JSON.parse(data) as { scopes: string[] }).scopes);
      }
    }
  }
}
