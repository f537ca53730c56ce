// Child processes that cannot outlive us: each runs in its own process group (wrangler starts
// workerd under it), is stopped by signalling the whole group, and is killed when this process
// exits. Everything they print is kept, because tests search it for leaked secrets.
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { TIMED_OUT, withinMs } from "./time-limit.ts";

const STOP_GRACE_MS = 5_000;
const GROUP_GONE_TIMEOUT_MS = 5_000;

export type ChildOptions = {
  /** Prefix for echoed lines and errors, e.g. "wrangler". */
  name: string;
  command: string;
  args: readonly string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Also copy the child's output to this process's stdout and stderr. */
  echo?: boolean;
};

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

export type Child = {
  readonly pid: number;
  /** Everything the child printed on stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM to the group, SIGKILL after a grace period, then waits until no member is left. */
  stop(): Promise<void>;
};

const live = new Set<number>();
let exitHookInstalled = false;

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is already gone
  }
}

/** SIGKILLs every child group still running. Synchronous, so it works inside an 'exit' handler. */
export function killAllChildren(): void {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
  live.clear();
}

function installExitHooks(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = () => {
      // Whoever else listens (the `npm start` orchestrator) owns a graceful shutdown. Otherwise
      // our children, in their own groups, never got the terminal's signal: kill them, then die of
      // the same signal as if we had not listened.
      if (process.listenerCount(signal) > 1) return;
      process.off(signal, handler);
      killAllChildren();
      process.kill(process.pid, signal);
    };
    process.on(signal, handler);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilGroupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + GROUP_GONE_TIMEOUT_MS;
  while (signalGroup(pgid, 0)) {
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still alive after SIGKILL`);
    await sleep(50);
  }
}

export function spawnChild(options: ChildOptions): Child {
  installExitHooks();
  const chunks: string[] = [];
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    // Children find the same Node as ours first (npx and wrangler need Node 22).
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`, ...options.env },
    detached: true, // a new process group, so stop() reaches grandchildren too
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  const pid = child.pid;
  live.add(pid);
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      chunks.push(text);
      if (options.echo) sink.write(text);
    });
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });

  return {
    pid,
    exited,
    output: () => chunks.join(""),
    async stop() {
      signalGroup(pid, "SIGTERM");
      await withinMs(exited, STOP_GRACE_MS);
      // Even after a graceful exit of the leader, sweep the group for stragglers.
      signalGroup(pid, "SIGKILL");
      await exited;
      await waitUntilGroupGone(pid);
      live.delete(pid);
    },
  };
}

/** Runs a command to completion; resolves to its output, rejects on a non-zero exit or timeout. */
export async function runChild(options: ChildOptions & { timeoutMs: number }): Promise<string> {
  const child = spawnChild(options);
  const result = await withinMs(child.exited, options.timeoutMs);
  if (result === TIMED_OUT) {
    await child.stop();
    throw new Error(`${options.name} did not finish within ${options.timeoutMs} ms:\n${child.output()}`);
  }
  await child.stop(); // the leader is gone; this sweeps anything it left behind
  if (result.code !== 0) throw new Error(`${options.name} failed (exit ${result.code ?? result.signal}):\n${child.output()}`);
  return child.output();
}
