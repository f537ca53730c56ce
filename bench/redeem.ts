// npm run bench:redeem — redemption through the Worker against a direct Secret Server read, side by
// side in one run, everything on 127.0.0.1. Starts the Secret Server stand-in (in this process) and
// the bench Worker under wrangler dev, measures with the stand-in answering after 20 ms (a typical
// in-region read) and after 0 ms (the Worker's own overhead), profiles where a redemption's time
// goes, counts the audit rows in D1, writes bench/RESULTS.md, stops everything, and ends with the
// lines issue 15 names (`ratio p50: X.XX` ... `audit rows: N for M redemptions`). A missed target
// is reported, not an error. Bounded: a few thousand tickets, a minute or two.
import { existsSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBenchStack, type BenchStack } from "./bench-stack.ts";
import { runClosedLoop, throughput } from "./closed-loop.ts";
import { closeIdleConnections, send } from "./http-client.ts";
import { describeMachine, machineLine } from "./machine.ts";
import { measurePaths, type LoadPlan } from "./redeem-phases.ts";
import { profileRedemptions } from "./redeem-profile.ts";
import { consoleLines, CPU_ROUTES, CPU_WINDOW_TICKETS_PER_SECOND, keyLines, markdown, PATHS, RATIO_LATENCY_MS, type AuditCount, type RedeemBenchResult } from "./redeem-report.ts";
import { directPath, directReader, redemptionPath, redemptionsAnswered, type BenchPath } from "./request-paths.ts";
import { writeResults } from "./results.ts";
import { sleep, stopAfter } from "./run-limit.ts";
import { cpuPerRequest } from "./thread-cpu.ts";
import { ticketsMinted } from "./ticket-supply.ts";
import { findWorkerProcess, trackWorkerEntry, type WorkerEntry } from "./worker-entry.ts";

/** 64 in flight: at 20 ms per Secret Server read, fewer than ~25 could not reach 1,000/s at all. */
const PLAN: LoadPlan = { single: 100, concurrency: 64, rounds: 3, windowMs: 1_500 };
const LATENCIES_MS = [RATIO_LATENCY_MS, 0];
const WARM_UP_REQUESTS = 20;
const PROFILED_REDEMPTIONS = 100;
/** The CPU phase: one window per route at the plan's concurrency, then time for the alarms' audit delivery. */
const CPU_WINDOW_MS = 3_000;
const CPU_SETTLE_MS = 1_000;
/** Hard stop: whatever happens, the bench ends and takes its processes with it. */
const RUN_LIMIT_MS = 240_000;

/**
 * The bench Worker's switch (bench/worker/in-isolate-limits.ts): the rate limiters counted in the
 * Worker's isolate, as Cloudflare's binding counts on the Worker's own machine, instead of
 * Miniflare's simulation (a trip to a Durable Object in another isolate per limiter).
 */
const IN_ISOLATE_LIMITS = { "X-Claimcheck-Bench-Limits": "in-isolate" };

const log = (line: string) => console.log(line);

/** tmpfs when there is one: the Worker's local SQLite state then measures the Worker, not the disk. */
async function stateFolder(): Promise<string> {
  return mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "claimcheck-bench-"));
}

async function warmUp(paths: readonly BenchPath[]): Promise<void> {
  for (const path of paths) {
    await path.prepare(WARM_UP_REQUESTS);
    for (let i = 0; i < WARM_UP_REQUESTS; i++) await path.next()!();
  }
}

async function comparedPaths(stack: BenchStack, entry: WorkerEntry | undefined): Promise<BenchPath[]> {
  const reader = await directReader(stack.secretServer.url);
  const expected = await reader.read();
  const mintUrl = stack.worker.url;
  return [
    redemptionPath(PATHS.redemption, { url: () => stack.worker.url }, mintUrl, expected),
    ...(entry
      ? [redemptionPath(PATHS.entry, entry, mintUrl, expected), redemptionPath(PATHS.inIsolateLimits, entry, mintUrl, expected, IN_ISOLATE_LIMITS)]
      : []),
    directPath(PATHS.direct, reader, expected),
  ];
}

/** What any request can reach here: the cheapest route, at the same concurrency, both ways in. */
async function healthCeilings(stack: BenchStack, entry: WorkerEntry | undefined, plan: LoadPlan): Promise<RedeemBenchResult["ceilings"]> {
  const ceilings: RedeemBenchResult["ceilings"] = [];
  for (const [name, url] of [["GET /health via wrangler dev", stack.worker.url], ["GET /health at the Worker's entry", entry?.url()]] as const) {
    if (url === undefined) continue;
    const run = await runClosedLoop({
      concurrency: plan.concurrency,
      durationMs: plan.windowMs,
      next: () => async () => {
        if ((await send(`${url}/health`)).status !== 200) throw new Error("health: not 200");
      },
    });
    ceilings.push({ name, perSecond: throughput(run), errors: run.errors });
  }
  return ceilings;
}

/**
 * CPU per request of the Worker's workerd at the Worker's entry: a redemption (with the audit
 * delivery its alarm makes after), the same with the rate limiters counted in the Worker's isolate
 * as Cloudflare's binding counts on its machine (locally, each limiter call is a trip to a
 * simulated Durable Object), and GET /health, the cheapest route.
 */
async function workerdCpu(stack: BenchStack, worker: { pid: number; url: string }, plan: LoadPlan): Promise<RedeemBenchResult["cpu"]> {
  const reader = await directReader(stack.secretServer.url);
  const expected = await reader.read();
  const redemption = redemptionPath(CPU_ROUTES.redeem, { url: () => worker.url }, stack.worker.url, expected);
  const inIsolateLimits = redemptionPath(CPU_ROUTES.inIsolateLimits, { url: () => worker.url }, stack.worker.url, expected, IN_ISOLATE_LIMITS);
  const health: BenchPath = {
    name: CPU_ROUTES.health,
    prepare: async () => undefined,
    next: () => async () => {
      if ((await send(`${worker.url}/health`)).status !== 200) throw new Error("health: not 200");
    },
  };
  const cpu: RedeemBenchResult["cpu"] = { windowMs: CPU_WINDOW_MS, settleMs: CPU_SETTLE_MS, routes: [] };
  for (const path of [redemption, inIsolateLimits, health]) {
    await path.prepare(Math.ceil((CPU_WINDOW_TICKETS_PER_SECOND * CPU_WINDOW_MS) / 1000));
    let failed = 0;
    const figures = await cpuPerRequest(worker.pid, async () => {
      const run = await runClosedLoop({ concurrency: plan.concurrency, durationMs: CPU_WINDOW_MS, next: () => path.next() });
      await sleep(CPU_SETTLE_MS);
      failed = run.errors;
      return run.latenciesMs.length;
    });
    if (figures) cpu.routes.push({ name: path.name, failed, ...figures });
  }
  return cpu;
}

/** How long the count waits for the stores' alarms to deliver the last audit rows. */
const AUDIT_DRAIN_LIMIT_MS = 15_000;
const AUDIT_POLL_MS = 250;

async function auditRows(workerUrl: string): Promise<{ mint: number; redeem: number }> {
  const answer = await send(`${workerUrl}/_bench/audit-rows?events=mint,redeem`);
  if (answer.status !== 200) throw new Error(`audit rows: HTTP ${answer.status}`);
  const { byEvent } = JSON.parse(answer.body) as { byEvent: Record<string, number> };
  return { mint: byEvent.mint ?? 0, redeem: byEvent.redeem ?? 0 };
}

/**
 * Mint and redeem rows in D1 against the tickets minted and the redemptions answered 200 in the
 * whole run. The stores deliver from their outboxes in alarms, so the count waits (bounded) until
 * the rows stop growing short of the expected figures.
 */
async function countAudit(workerUrl: string): Promise<AuditCount> {
  const expected = { redemptions: redemptionsAnswered(), minted: ticketsMinted() };
  const deadline = performance.now() + AUDIT_DRAIN_LIMIT_MS;
  let rows = await auditRows(workerUrl);
  while ((rows.redeem < expected.redemptions || rows.mint < expected.minted) && performance.now() < deadline) {
    await sleep(AUDIT_POLL_MS);
    rows = await auditRows(workerUrl);
  }
  return { redeemRows: rows.redeem, mintRows: rows.mint, ...expected };
}

async function run(persistTo: string, notes: string[]): Promise<RedeemBenchResult> {
  log("starting the Secret Server stand-in and wrangler dev (bench Worker)...");
  const stack = await startBenchStack({ persistTo });
  try {
    const workerProcess = await findWorkerProcess(stack.worker);
    const entry = workerProcess === undefined ? undefined : trackWorkerEntry(stack.worker, workerProcess.url);
    if (!entry) notes.push("The Worker's own entry behind wrangler dev's proxy was not found (Linux /proc only): measured through wrangler dev only.");
    const paths = await comparedPaths(stack, entry);
    // The direct reader has its token: from here on, every token request is the Worker's.
    const tokensBefore = (await stack.standInStats()).tokenRequests;
    await warmUp(paths);
    let redemptions = WARM_UP_REQUESTS * (paths.length - 1);
    const rates = new Map<string, number>();
    const byLatency: RedeemBenchResult["byLatency"] = [];
    for (const latencyMs of LATENCIES_MS) {
      log(`measuring with the stand-in answering after ${latencyMs} ms...`);
      await stack.setStandIn({ latencyMs });
      const figures = await measurePaths(paths, PLAN, rates);
      byLatency.push({ latencyMs, figures });
      for (const [name, f] of figures) if (name !== PATHS.direct) redemptions += f.oneAtATime.count + f.loaded.count;
    }
    const tokens = { requests: (await stack.standInStats()).tokenRequests - tokensBefore, redemptions };
    log("measuring the ceiling: GET /health under the same load...");
    const ceilings = await healthCeilings(stack, entry, PLAN);
    log("measuring the Worker's CPU per request...");
    await stack.setStandIn({ latencyMs: RATIO_LATENCY_MS });
    // Found again: a reload of the Worker (a source file changed) may have moved it.
    const cpuProcess = (await findWorkerProcess(stack.worker)) ?? workerProcess;
    const cpu = cpuProcess ? await workerdCpu(stack, cpuProcess, PLAN) : { windowMs: CPU_WINDOW_MS, settleMs: CPU_SETTLE_MS, routes: [] };
    const profiles: RedeemBenchResult["profiles"] = [];
    for (const latencyMs of LATENCIES_MS) {
      log(`profiling redemptions with the stand-in answering after ${latencyMs} ms...`);
      await stack.setStandIn({ latencyMs });
      // wrangler dev moves the entry when it reloads the Worker (a source file changed): look again.
      await entry?.lost();
      profiles.push({ latencyMs, profile: await profileRedemptions(stack.worker.url, entry?.url(), PROFILED_REDEMPTIONS) });
    }
    log("counting mint and redeem rows in D1...");
    const audit = await countAudit(stack.worker.url);
    const reloads = stack.worker.logs().match(/Reloading local server/g)?.length ?? 0;
    if (reloads > 0) {
      notes.push(`wrangler dev reloaded the Worker ${reloads} times during the run (a source file changed): a new isolate each time, so a new token and cold caches; failed requests around a reload are counted as errors.`);
    }
    return { plan: PLAN, byLatency, tokens, ceilings, cpu, profiles, audit, notes };
  } finally {
    closeIdleConnections();
    await stack.close();
  }
}

const machine = await describeMachine();
const persistTo = await stateFolder();
process.on("exit", () => rmSync(persistTo, { recursive: true, force: true }));
const cancelLimit = stopAfter(RUN_LIMIT_MS, "bench:redeem");

log(`bench:redeem on ${machineLine(machine)}`);
const started = performance.now();
const notes: string[] = [];
const result = await run(persistTo, notes);
notes.push(
  `Shared machine: ${machine.cores} cores, also running other work (load average ${machine.loadAverage.toFixed(2)} at start); the load generator, the stand-in and both workerd processes share them. Compare figures within one run only.`,
  "wrangler dev's port reaches the Worker through a proxy (a second workerd that passes every request through one Durable Object and logs it to wrangler's Node process); production has no such hop. \"At the Worker's entry\" skips it.",
  `Worker state (Durable Objects, D1) in ${persistTo.startsWith("/dev/shm") ? "tmpfs" : "a temporary folder"}; stand-in in the bench's own Node process.`,
  "wrangler dev's local trace collector is off (X_LOCAL_OBSERVABILITY=false): on, it about doubles to triples the Worker's CPU time per redemption.",
  "Each redemption comes from its own client address (CF-Connecting-IP), as agents on many machines would; the Worker's two rate limiters run on every request (locally each is a call to a simulated limiter Durable Object in another isolate; \"limiters in the Worker's isolate\" counts them in the Worker itself, as Cloudflare's binding counts on the Worker's machine).",
  "The path with the limiters in the Worker's isolate runs on an env object of its own, and the Worker keeps its settings and Secret Server client per env object: it fetches one token of its own, counted above.",
  "Tickets are minted 25 to a session (one TicketStore each) and handed out in turns between sessions, so requests in flight reach many stores, as many users' agents would; spreading them this way (instead of 1,000 to a session) left throughput unchanged on this machine: the single thread that runs workerd's isolates is the limit, not one store's queue.",
  `Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
for (const line of consoleLines(result)) log(line);
await writeResults({ script: "bench:redeem", title: "Redemption vs direct Secret Server read", machine, body: markdown(result) });
log("written to bench/RESULTS.md");
cancelLimit();
for (const line of keyLines(result)) log(line);
