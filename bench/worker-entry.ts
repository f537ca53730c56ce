// `wrangler dev` answers on its port through a proxy: a second workerd process whose proxy worker
// passes every request through one Durable Object and logs it to wrangler's Node process, then on
// to the workerd that runs the Worker. Production has no such hop. To measure the Worker itself,
// this finds the Worker's own entry socket: a loopback port, other than wrangler's, that a workerd
// in wrangler's process group listens on and that answers GET /health like the Worker. Linux only
// (/proc); undefined elsewhere or when none answers.
import { readdir, readFile, readlink } from "node:fs/promises";
import { send } from "./http-client.ts";
import type { WranglerDev } from "../dev/stack/wrangler-dev.ts";

const LOOPBACK_HEX = "0100007F";
const TCP_LISTEN = "0A";

async function workerdPids(groupId: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid pgrp ...
    const match = /^\d+ \((.*)\) \S+ \d+ (\d+)/.exec(stat);
    if (match?.[1] === "workerd" && Number(match[2]) === groupId) pids.push(Number(entry));
  }
  return pids;
}

export async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  return inodes;
}

export async function loopbackListeners(): Promise<Map<string, number>> {
  const byInode = new Map<string, number>();
  const table = await readFile("/proc/net/tcp", "utf8").catch(() => "");
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [address, port] = (fields[1] ?? "").split(":");
    if (address === LOOPBACK_HEX && fields[3] === TCP_LISTEN && port && fields[9]) byInode.set(fields[9], parseInt(port, 16));
  }
  return byInode;
}

async function answersLikeTheWorker(url: string): Promise<boolean> {
  try {
    const answer = await send(`${url}/health`);
    return answer.status === 200 && answer.body === '{"ok":true}';
  } catch {
    return false;
  }
}

/** The workerd process that runs the Worker (not wrangler's proxy), and its entry. */
export async function findWorkerProcess(worker: WranglerDev): Promise<{ pid: number; url: string } | undefined> {
  const groupId = worker.pid();
  if (groupId === undefined) return undefined;
  const listeners = await loopbackListeners();
  for (const pid of await workerdPids(groupId)) {
    for (const inode of await socketInodes(pid)) {
      const port = listeners.get(inode);
      if (port === undefined || port === worker.port) continue;
      const url = `http://127.0.0.1:${port}`;
      if (await answersLikeTheWorker(url)) return { pid, url };
    }
  }
  return undefined;
}

export async function findWorkerEntry(worker: WranglerDev): Promise<string | undefined> {
  return (await findWorkerProcess(worker))?.url;
}

export type WorkerEntry = {
  url(): string;
  /** Finds the entry again (wrangler dev reloads the Worker when a source file changes: new port). */
  lost(): Promise<void>;
};

export function trackWorkerEntry(worker: WranglerDev, first: string): WorkerEntry {
  let url = first;
  let searching: Promise<void> | undefined;
  return {
    url: () => url,
    lost() {
      searching ??= findWorkerEntry(worker)
        .then((found) => {
          if (found) url = found;
        })
        .finally(() => (searching = undefined));
      return searching;
    },
  };
}
