// CPU time per request of the Worker's workerd, read from /proc around a measured run. workerd runs
// every isolate on one thread (the Worker, its Durable Objects, and locally Miniflare's D1 and rate
// limiters), so that thread's CPU per request bounds throughput however many cores there are: at
// 100% of one core, 1,000 / (ms per request) requests a second. Linux only.
import { readdir, readFile } from "node:fs/promises";

const TICKS_PER_MS = 0.1; // USER_HZ is 100 on Linux: one tick is 10 ms

export type CpuPerRequest = {
  /** CPU of the thread that worked most during the run, per request. */
  busiestThreadMs: number;
  /** CPU of the whole process (every thread), per request. */
  processMs: number;
  /** What the busiest thread could serve at 100% of one core. */
  ceilingPerSecond: number;
};

/** utime + stime of every thread of `pid`, in ms, by thread id. */
async function threadCpuMs(pid: number): Promise<Map<string, number>> {
  const byThread = new Map<string, number>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, "utf8").catch(() => "");
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    // A thread that ended between the listing and the read has no figures: left out.
    if (Number.isFinite(ticks)) byThread.set(tid, ticks / TICKS_PER_MS);
  }
  return byThread;
}

const sum = (ns: Iterable<number>) => [...ns].reduce((a, b) => a + b, 0);

/** Idle: the process used less than this share of a core over one poll interval. */
const IDLE_SHARE = 0.05;
const IDLE_POLL_MS = 500;
const IDLE_LIMIT_MS = 15_000;

/**
 * Waits until `pid` is idle (or the limit passes), so work left from earlier (the audit delivery
 * of freshly minted tickets, run by their alarms) is not counted against the next run.
 */
async function settled(pid: number): Promise<void> {
  const deadline = performance.now() + IDLE_LIMIT_MS;
  let last = sum((await threadCpuMs(pid)).values());
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    const now = sum((await threadCpuMs(pid)).values());
    if (now - last < IDLE_POLL_MS * IDLE_SHARE) return;
    last = now;
  }
}

/**
 * Runs `run` (which answers how many requests it completed) once `pid` is idle, and measures
 * `pid`'s CPU per request.
 */
export async function cpuPerRequest(pid: number, run: () => Promise<number>): Promise<CpuPerRequest | undefined> {
  if (!(await threadCpuMs(pid).then(() => true, () => false))) return undefined;
  await settled(pid);
  const before = await threadCpuMs(pid);
  const requests = await run();
  const after = await threadCpuMs(pid);
  const used = [...after].map(([tid, ms]) => ms - (before.get(tid) ?? 0));
  const busiest = Math.max(0, ...used);
  if (requests === 0 || busiest === 0) return undefined;
  const busiestThreadMs = busiest / requests;
  return { busiestThreadMs, processMs: sum(used) / requests, ceilingPerSecond: 1_000 / busiestThreadMs };
}
