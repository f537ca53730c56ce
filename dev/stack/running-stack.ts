// Where a running `npm start` keeps its state, for `npm run demo` in another terminal: the demo
// reads the audit trail straight from that state folder, and `CLAIMCHECK_STATE_DIR` may differ
// between the two terminals. `npm start` leaves a small record per Worker port under
// .wrangler/running-stacks/ (its pid and its state folder; no secret) and removes it when it stops.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "./wrangler-dev.ts";

const RECORDS_DIR = join(PROJECT_ROOT, ".wrangler", "running-stacks");

const StackRecord = z.object({ pid: z.number().int().positive(), publicUrl: z.string(), stateDir: z.string() });

function recordPath(port: number, dir: string): string {
  return join(dir, `${port}.json`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Records this process as the stack on `port`; returns the function that removes the record. */
export function recordRunningStack(port: number, stack: { publicUrl: string; stateDir: string }, dir = RECORDS_DIR): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = recordPath(port, dir);
  writeFileSync(path, JSON.stringify({ pid: process.pid, publicUrl: stack.publicUrl, stateDir: stack.stateDir }), { mode: 0o600 });
  return () => rmSync(path, { force: true });
}

/** The state folder of the `npm start` serving `publicUrl` on `port`, if one recorded itself and still runs. */
export function runningStackStateDir(port: number, publicUrl: string, dir = RECORDS_DIR): string | undefined {
  let parsed: z.infer<typeof StackRecord>;
  try {
    parsed = StackRecord.parse(JSON.parse(readFileSync(recordPath(port, dir), "utf8")));
  } catch {
    return undefined; // no record, or not one of ours
  }
  return parsed.publicUrl === publicUrl && alive(parsed.pid) ? parsed.stateDir : undefined;
}
