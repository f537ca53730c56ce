// The V8 isolates of the Worker's workerd process, through the inspector wrangler dev opens on it
// (`--inspector-addr`, loopback): forces a full garbage collection in the isolates a request that
// reads D1 runs through (Miniflare's entry router, the Worker's, which its Durable Objects share,
// and D1's two) and reads the Worker's live heap. A soak measures memory after this, as a Node
// leak test does after global.gc(): V8 grows its heap lazily when nothing presses it, so RSS
// without it counts garbage not yet collected. Linux only (/proc), like worker-entry.ts.
import { send } from "./http-client.ts";
import { loopbackListeners, socketInodes } from "./worker-entry.ts";

/** How long one session may wait for its answer; workerd handles an isolate's inspector messages only while it runs. */
const ANSWER_LIMIT_MS = 3_000;
/**
 * Sessions tried per command. workerd (with wrangler 4.164) leaves some sessions unanswered even
 * while requests run, always the first one to an isolate after start; a new session then works.
 */
const SESSION_TRIES = 4;
/** While waiting, a request every this often makes the isolates run (see `poke`). */
const POKE_INTERVAL_MS = 100;

type Target = { id: string; webSocketDebuggerUrl: string };

export type IsolateHeaps = {
  /**
   * Collects garbage, then answers the Worker's used JS heap in KiB. `poke` sends one request
   * that reaches the Worker and D1, so the isolates on its way handle the inspector's messages.
   */
  collectGarbage(poke: () => Promise<void>): Promise<number>;
};

/** workerd's other listeners (its debug port) may never answer HTTP. */
const LIST_LIMIT_MS = 2_000;

async function targetsAt(port: number): Promise<Target[] | undefined> {
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer")), LIST_LIMIT_MS).unref());
    const answer = await Promise.race([send(`http://127.0.0.1:${port}/json/list`), timeout]);
    const targets = JSON.parse(answer.body) as Target[];
    return Array.isArray(targets) && targets.some((t) => t.id.startsWith("core:user:")) ? targets : undefined;
  } catch {
    return undefined;
  }
}

/** The inspector among the process's loopback listeners, found by its list of Worker targets. */
async function inspectorPort(pid: number): Promise<number | undefined> {
  const listeners = await loopbackListeners();
  for (const inode of await socketInodes(pid)) {
    const port = listeners.get(inode);
    if (port !== undefined && (await targetsAt(port))) return port;
  }
  return undefined;
}

/** Sends one Chrome DevTools Protocol command in a new session; resolves to its result, or rejects after the limit. */
async function session(target: Target, method: string): Promise<Record<string, unknown>> {
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${target.id}: no answer to ${method}`)), ANSWER_LIMIT_MS);
      socket.onerror = () => reject(new Error(`${target.id}: inspector connection failed`));
      socket.onopen = () => socket.send(JSON.stringify({ id: 1, method, params: {} }));
      socket.onmessage = (message) => {
        const answer = JSON.parse(String(message.data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (answer.id !== 1) return;
        if (answer.error) reject(new Error(`${target.id}: ${method}: ${answer.error.message}`));
        else resolve(answer.result ?? {});
      };
    });
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

/** Runs `work` while poking the Worker, so a user isolate waiting on its inspector gets to run. */
async function whilePoking<T>(poke: () => Promise<void>, work: Promise<T>): Promise<T> {
  let inFlight = false;
  // One poke at a time: while an isolate stalls, they must not pile up.
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    void poke()
      .catch(() => undefined)
      .finally(() => (inFlight = false));
  }, POKE_INTERVAL_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Sends one command, in a new session each try until one is answered (see SESSION_TRIES). */
async function command(target: Target, method: string): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await session(target, method);
    } catch (err) {
      if (attempt === SESSION_TRIES) throw err;
    }
  }
}

/** The inspector of the workerd process `pid`, or undefined if it has none (or not on Linux). */
export async function isolateHeaps(pid: number): Promise<IsolateHeaps | undefined> {
  const port = await inspectorPort(pid);
  if (port === undefined) return undefined;
  return {
    async collectGarbage(poke) {
      const targets = (await targetsAt(port)) ?? [];
      const worker = targets.find((t) => t.id.startsWith("core:user:") && !t.id.includes("miniflare"));
      if (!worker) throw new Error("the Worker's isolate is no longer listed by the inspector");
      // Other isolates (unused bindings') run nothing a poke reaches, so they would never answer;
      // the soak's garbage is made in these.
      // The Worker's last, right before its heap is read: the pokes make garbage in it meanwhile.
      const collected = [...targets.filter((t) => ["core:entry", "d1:db:entry", "d1:db"].includes(t.id)), worker];
      return whilePoking(poke, (async () => {
        // One at a time: a session to one isolate must not wait behind another's.
        for (const target of collected) await command(target, "HeapProfiler.collectGarbage");
        const usage = await command(worker, "Runtime.getHeapUsage");
        return Math.round(Number(usage.usedSize) / 1024);
      })());
    },
  };
}
