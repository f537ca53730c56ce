// npm run bench:soak — the ticket lifecycle at the process level (issue 6): the bench Worker under
// wrangler dev on 127.0.0.1 with the shortest ticket life, three cycles of minting ~7,000 tickets
// across 20 sessions and letting every one expire unredeemed. After each cycle every session's
// TicketStore must hold no row (the alarm deleted each expired ticket), and the Worker's workerd
// RSS after the last drain must be within 15% of the first. Writes bench/RESULTS.md; a missed
// verdict is reported, and only storage left behind fails the run. Bounded: about two minutes.
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBenchStack, type BenchStack } from "./bench-stack.ts";
import { closeIdleConnections, send } from "./http-client.ts";
import { describeMachine, machineLine } from "./machine.ts";
import { writeResults } from "./results.ts";
import { sleep, stopAfter } from "./run-limit.ts";
import { consoleLines, drained, markdown, type SoakCycle, type SoakResult } from "./soak-report.ts";
import { findWorkerProcess } from "./worker-entry.ts";

const CYCLES = 3;
const SESSIONS = 20;
/** 350 × 20 = 7,000 a cycle, 21,000 in all; one mint request per session (the Worker caps 1,000). */
const TICKETS_PER_SESSION = 350;
/** The shortest life config.ts allows, so the alarms come within the bench's time. */
const TICKET_TTL_SECONDS = 10;
/** Mint requests in flight at once, each for its own session. */
const PARALLEL_MINTS = 4;
/** How long a cycle may take to drain after its mint phase: a ticket's life plus alarm slack. */
const DRAIN_LIMIT_MS = 40_000;
const POLL_INTERVAL_MS = 1_000;
const RUN_LIMIT_MS = 240_000;

const log = (line: string) => console.log(line);
const sessionName = (i: number) => `soak-${i}`;
const sum = (ns: number[]) => ns.reduce((a, b) => a + b, 0);

/** The Worker's resident memory in KiB, or undefined when the process is gone or not Linux. */
async function rssKiB(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib);
}

/** Bytes of the Worker's local state (every TicketStore's SQLite and D1's), for telling disk from heap. */
async function stateKiB(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map((e) => stat(join(e.parentPath, e.name)).then((s) => s.size, () => 0)));
  return Math.round(sum(sizes) / 1024);
}

async function mintSession(url: string, session: string): Promise<number> {
  const answer = await send(`${url}/_bench/mint?count=${TICKETS_PER_SESSION}&session=${session}`, { method: "POST" });
  if (answer.status !== 200) throw new Error(`minting for ${session}: HTTP ${answer.status}`);
  // The tickets themselves are dropped unread: none is redeemed, so every one must expire.
  return (JSON.parse(answer.body) as { tickets: string[] }).tickets.length;
}

async function mintCycle(url: string): Promise<number> {
  let minted = 0;
  for (let i = 0; i < SESSIONS; i += PARALLEL_MINTS) {
    const batch = Array.from({ length: Math.min(PARALLEL_MINTS, SESSIONS - i) }, (_, k) => sessionName(i + k));
    for (const n of await Promise.all(batch.map((s) => mintSession(url, s)))) minted += n;
  }
  return minted;
}

async function storeRows(url: string): Promise<number[]> {
  return Promise.all(
    Array.from({ length: SESSIONS }, async (_, i) => {
      const answer = await send(`${url}/_bench/store-size?session=${sessionName(i)}`);
      if (answer.status !== 200) throw new Error(`store size of ${sessionName(i)}: HTTP ${answer.status}`);
      return (JSON.parse(answer.body) as { rows: number }).rows;
    }),
  );
}

/** Polls every session until none holds a row or the limit passes; returns the rows left. */
async function drain(url: string): Promise<number> {
  const deadline = performance.now() + DRAIN_LIMIT_MS;
  for (;;) {
    const left = sum(await storeRows(url));
    if (left === 0 || performance.now() >= deadline) return left;
    await sleep(POLL_INTERVAL_MS);
  }
}

async function cycle(url: string, pid: number | undefined, n: number, stateFolder: string): Promise<SoakCycle> {
  log(`cycle ${n}: minting ${(SESSIONS * TICKETS_PER_SESSION).toLocaleString("en")} tickets across ${SESSIONS} sessions...`);
  const mintStart = performance.now();
  const minted = await mintCycle(url);
  const mintMs = performance.now() - mintStart;
  const rowsAfterMint = sum(await storeRows(url));
  const rssAfterMintKiB = await rssKiB(pid);
  log(`cycle ${n}: ${rowsAfterMint} rows stored; waiting for expiry and alarms...`);
  const drainStart = performance.now();
  const rowsAfterDrain = await drain(url);
  const drainMs = performance.now() - drainStart;
  return { minted, mintMs, rowsAfterMint, drainMs, rowsAfterDrain, rssAfterMintKiB, rssAfterDrainKiB: await rssKiB(pid), stateAfterDrainKiB: await stateKiB(stateFolder) };
}

async function run(stack: BenchStack, stateFolder: string, notes: string[]): Promise<SoakResult> {
  const url = stack.worker.url;
  const worker = await findWorkerProcess(stack.worker);
  if (!worker) notes.push("The Worker's workerd process was not found (Linux /proc only): memory not measured.");
  const rssBeforeKiB = await rssKiB(worker?.pid);
  const cycles: SoakCycle[] = [];
  for (let n = 1; n <= CYCLES; n++) cycles.push(await cycle(url, worker?.pid, n, stateFolder));
  const reloads = stack.worker.logs().match(/Reloading local server/g)?.length ?? 0;
  if (reloads > 0) notes.push(`wrangler dev reloaded the Worker ${reloads} times during the run (a source file changed): RSS figures span isolates.`);
  return { sessions: SESSIONS, ttlSeconds: TICKET_TTL_SECONDS, rssBeforeKiB, cycles, notes };
}

const machine = await describeMachine();
const persistTo = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "claimcheck-soak-"));
process.on("exit", () => rmSync(persistTo, { recursive: true, force: true }));
const cancelLimit = stopAfter(RUN_LIMIT_MS, "bench:soak");

log(`bench:soak on ${machineLine(machine)}`);
log("starting the Secret Server stand-in and wrangler dev (bench Worker)...");
const started = performance.now();
const notes: string[] = [];
const stack = await startBenchStack({ persistTo, ticketTtlSeconds: TICKET_TTL_SECONDS });
let result: SoakResult;
try {
  result = await run(stack, persistTo, notes);
} finally {
  closeIdleConnections();
  await stack.close();
}
notes.push(
  "The same 20 sessions (TicketStores) serve every cycle, so a store that kept rows or an alarm that stopped re-arming would show in the next cycle.",
  "Each ticket leaves two audit rows in D1 (`mint`, then `expire` from the alarm), and D1 runs in the same workerd process as the Worker: its database grows by design every cycle, and RSS includes it and every store's SQLite. \"State on disk\" is the whole local state folder (stores and D1).",
  `Shared machine: ${machine.cores} cores, load average ${machine.loadAverage.toFixed(2)} at start. Worker state in ${persistTo.startsWith("/dev/shm") ? "tmpfs" : "a temporary folder"}.`,
  `Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
for (const line of consoleLines(result)) log(line);
await writeResults({ script: "bench:soak", title: "Soak: ticket expiry, storage and memory", machine, body: markdown(result) });
log("written to bench/RESULTS.md");
cancelLimit();
if (!drained(result)) process.exitCode = 1;
