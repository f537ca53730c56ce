// A long-running child that serves HTTP: started, waited on until it answers, restarted on the
// same arguments (and so the same persisted state), stopped with its whole process group.
import { spawnChild } from "./child-process.ts";
import type { Child, ChildOptions } from "./child-process.ts";
import { TIMED_OUT, withinMs } from "./time-limit.ts";

const DEFAULT_START_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;

export type ServiceOptions = ChildOptions & {
  /** Ready once a GET here answers 2xx. */
  readyUrl: string;
  startTimeoutMs?: number;
};

export type Service = {
  readonly name: string;
  readonly readyUrl: string;
  /** Process id (and process group id) of the current run; undefined once closed. */
  pid(): number | undefined;
  /** Everything printed by every run of the service, restarts included. */
  logs(): string;
  /** Stops the service and starts it again with the same options; resolves once it answers. */
  restart(): Promise<void>;
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when a GET of `url` answers 2xx within a couple of seconds. */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

async function pollUntilReady(url: string, child: Child): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!(await answersOk(url))) {
    if (exited) throw new Error("exited before it was ready");
    await sleep(POLL_INTERVAL_MS);
  }
}

async function startChildAndWait(options: ServiceOptions): Promise<Child> {
  const child = spawnChild(options);
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const outcome = await withinMs(
    pollUntilReady(options.readyUrl, child).then(
      () => undefined,
      (err: Error) => err.message,
    ),
    timeoutMs,
  );
  if (outcome === undefined) return child;
  await child.stop();
  const reason = outcome === TIMED_OUT ? `did not answer ${options.readyUrl} within ${timeoutMs} ms` : outcome;
  throw new Error(`${options.name} ${reason}. Its output:\n${child.output()}`);
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const previousRuns: string[] = [];
  let child: Child | undefined = await startChildAndWait(options);
  const stop = async () => {
    if (child === undefined) return;
    const stopping = child;
    child = undefined;
    await stopping.stop();
    previousRuns.push(stopping.output());
  };
  return {
    name: options.name,
    readyUrl: options.readyUrl,
    pid: () => child?.pid,
    logs: () => [...previousRuns, child?.output() ?? ""].join(""),
    async restart() {
      await stop();
      child = await startChildAndWait(options);
    },
    close: stop,
  };
}

/** A Node script as a service, run by the same Node as this process. */
export async function startNodeService(
  options: Omit<ServiceOptions, "command" | "args"> & { script: string; args?: readonly string[] },
): Promise<Service> {
  const { script, args = [], ...rest } = options;
  return startService({ ...rest, command: process.execPath, args: [script, ...args] });
}
