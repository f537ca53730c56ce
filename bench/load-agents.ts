// node bench/load-agents.ts (Node 22: through npm or npx) — 50 coding agents at once for 30 s
// against the real product on 127.0.0.1: the Secret Server stand-in, the local OpenID provider and
// the Worker under wrangler dev. Each agent is its own OAuth client, signed in once through the
// real login and consent pages, and comes from its own address (CF-Connecting-IP, checked first).
// Each step: get_secret_environment_variable over MCP, then the ticket redeemed over HTTP as the
// snippet's curl does; every 10th step of each agent runs the script in bash instead, timed until
// the variable is set. Prints counts, errors (goal: none), latencies and Secret Server token
// requests per 1,000 redemptions, writes its section of bench/RESULTS.md, stops everything.
import { describeProbe, probeClientAddress, type AddressProbe } from "./client-address-probe.ts";
import { describeMachine, machineLine } from "./machine.ts";
import { BENCH_ACCESS_POLICY, BENCH_SECRET, closeAgents, mintAndRedeem, mintIntoVariable, signInAgents, type McpAgent } from "./mcp-agents.ts";
import { latencyLine, latencyTable, latencyVerdicts, tokensPer1000, tokenVerdict, type Latency } from "./mcp-report.ts";
import { summarize } from "./percentiles.ts";
import { writeResults } from "./results.ts";
import { sleep, stopAfter } from "./run-limit.ts";
import { loadSeededValues } from "../test/e2e/support/seeded-values.ts";
import { startMcpStack, type McpStack } from "../test/e2e/support/mcp-stack.ts";
import { getSecretVariable, ticketsIn } from "../test/e2e/support/secret-tool.ts";

const AGENTS = 50;
const DURATION_MS = 30_000;
const SIGN_IN_PARALLEL = 5;
/**
 * One step per agent at most this often: 50 redemptions per 10 s, under REDEEM_LIMIT_SESSION's 60
 * (wrangler.toml), which no address can lift since each agent is one session. The bash samples'
 * curl comes from 127.0.0.1, one address for all, but only one step in ten goes that way.
 */
const MIN_STEP_MS = 200;
const BASH_EVERY = 10;
const RUN_LIMIT_MS = 300_000;

type Tally = { tool: number[]; redeemed: number[]; variable: number[]; errors: Map<string, number> };

const newTally = (): Tally => ({ tool: [], redeemed: [], variable: [], errors: new Map() });
const errorCount = (tally: Tally) => [...tally.errors.values()].reduce((a, b) => a + b, 0);

/** The agent's steps until the deadline or `maxSteps`, whichever comes first. */
async function agentLoop(stack: McpStack, agent: McpAgent, expected: string, until: { deadline: number; maxSteps: number }, tally: Tally): Promise<void> {
  // Offsets spread the bash samples over the run instead of every agent spawning bash at once.
  for (let step = agent.n; performance.now() < until.deadline && step < agent.n + until.maxSteps; step++) {
    const began = performance.now();
    const inBash = step % BASH_EVERY === 0;
    try {
      const times = inBash ? await mintIntoVariable(agent, expected) : await mintAndRedeem(stack, agent, expected);
      tally.tool.push(times.toolMs);
      (inBash ? tally.variable : tally.redeemed).push(times.totalMs);
    } catch (err) {
      const kind = err instanceof Error ? err.message : String(err);
      tally.errors.set(kind, (tally.errors.get(kind) ?? 0) + 1);
    }
    await sleep(MIN_STEP_MS - (performance.now() - began));
  }
}

/** The session part of a ticket the first agent is handed: what the address probe aims at. */
async function routingOf(agent: McpAgent): Promise<string> {
  const answer = await getSecretVariable(agent.signedIn.client, { secret_path: "db/prod", shell: "bash" });
  const ticket = ticketsIn(answer.script)[0]?.ticket;
  if (ticket === undefined) throw new Error("no ticket in the script");
  return ticket.split("_")[1]!;
}

type LoadResult = {
  /** One step per agent before the measured ones: tokens and caches warm, connections open. */
  warmUp: Tally;
  tally: Tally;
  steps: number;
  elapsedMs: number;
  signInMs: number;
  /** Token requests during the measured steps, and over the whole run (the warm-up's included). */
  tokens: number;
  allTokens: number;
  /** wrangler dev rebuilds the Worker when a source file changes (a shared tree): a new isolate, a new token. */
  reloads: number;
  probe: AddressProbe;
};

async function run(log: (line: string) => void): Promise<LoadResult> {
  const expected = (await loadSeededValues()).valueOf(BENCH_SECRET.id, BENCH_SECRET.field);
  log("starting the Secret Server stand-in, the OpenID provider and wrangler dev...");
  const stack = await startMcpStack({ accessPolicy: BENCH_ACCESS_POLICY });
  let agents: McpAgent[] = [];
  try {
    log(`signing in ${AGENTS} agents, ${SIGN_IN_PARALLEL} at a time...`);
    const signInStart = performance.now();
    agents = await signInAgents(stack, AGENTS, SIGN_IN_PARALLEL);
    const signInMs = performance.now() - signInStart;
    const probe = await probeClientAddress(stack.publicUrl, await routingOf(agents[0]!));
    const warmUp = newTally();
    await Promise.all(agents.map((a) => agentLoop(stack, a, expected, { deadline: Infinity, maxSteps: 1 }, warmUp)));
    const tokensBefore = stack.secretServer.stats().tokenRequests;
    log(`running for ${DURATION_MS / 1000} s...`);
    const tally = newTally();
    const start = performance.now();
    await Promise.all(agents.map((a) => agentLoop(stack, a, expected, { deadline: start + DURATION_MS, maxSteps: Infinity }, tally)));
    const elapsedMs = performance.now() - start;
    const allTokens = stack.secretServer.stats().tokenRequests;
    const steps = tally.redeemed.length + tally.variable.length;
    const reloads = stack.worker.logs().match(/Reloading local server/g)?.length ?? 0;
    return { warmUp, tally, steps, elapsedMs, signInMs, tokens: allTokens - tokensBefore, allTokens, reloads, probe };
  } finally {
    await closeAgents(agents);
    await stack.close();
  }
}

type Figures = { latencies: Latency[]; errors: number; facts: string[]; verdicts: string[] };

function figures(result: LoadResult): Figures {
  const { warmUp, tally, steps, tokens, allTokens } = result;
  const errors = errorCount(tally);
  const allSteps = steps + warmUp.redeemed.length + warmUp.variable.length;
  const latencies: Latency[] = [
    { name: "tool call round trip (get_secret_environment_variable)", summary: summarize(tally.tool) },
    { name: "mint + redeem over HTTP (tool call, then POST /redeem)", summary: summarize(tally.redeemed) },
    { name: `tool call to secret in variable (script run in bash, 1 step in ${BASH_EVERY})`, summary: summarize(tally.variable) },
  ];
  const facts = [
    `${AGENTS} agents: ${AGENTS} OAuth clients, each signed in once as alice@demo.test (sign-ins took ${(result.signInMs / 1000).toFixed(1)} s); ${(result.elapsedMs / 1000).toFixed(1)} s of steps`,
    `mint + redeem completed: ${steps} (${(steps / (result.elapsedMs / 1000)).toFixed(1)}/s); errors: ${errors}`,
    ...[...tally.errors.entries()].map(([kind, n]) => `error "${kind}": ${n}`),
    `warm-up (one step per agent, not measured): ${errorCount(warmUp)} errors`,
    ...[...warmUp.errors.entries()].map(([kind, n]) => `warm-up error "${kind}": ${n}`),
    `Secret Server token requests: ${tokens} during the measured steps (${steps} redemptions, ${tokensPer1000(tokens, steps).toFixed(2)} per 1,000); ${allTokens} over the whole run (${allSteps} redemptions with the warm-up's, ${tokensPer1000(allTokens, allSteps).toFixed(2)} per 1,000)`,
    `wrangler dev reloaded the Worker ${result.reloads} times during the run (source files changed)`,
    describeProbe(result.probe),
  ];
  const verdicts = [
    `zero errors: ${errors === 0 ? "met" : "NOT met"} (${errors})`,
    ...latencyVerdicts(latencies[0]!.summary, latencies[2]!.summary).map((v) => `${v}, under load (the targets are for one agent: bench/mcp-latency.ts)`),
    tokenVerdict(tokens, steps),
  ];
  return { latencies, errors, facts, verdicts };
}

const NOTES = [
  `Each agent paces itself to one step per ${MIN_STEP_MS} ms at most, so its ticket session stays under the per-session redemption limit (60 per 10 s); the limits stay on.`,
  "The stand-in answers at once, in the bench's own Node process; the 50 MCP clients and the bash samples share the machine's 2 cores with wrangler dev: latencies are the whole machine under load, not the Worker alone.",
];

const log = (line: string) => console.log(line);
const machine = await describeMachine();
const cancelLimit = stopAfter(RUN_LIMIT_MS, "load-agents");
log(`load-agents on ${machineLine(machine)}`);
const { latencies, facts, verdicts } = figures(await run(log));
for (const line of [...facts, ...latencies.map(latencyLine), ...verdicts.map((v) => `target ${v}`)]) log(line);
await writeResults({
  script: "bench:load",
  title: `${AGENTS} concurrent agents: mint + redeem for ${DURATION_MS / 1000} s`,
  machine,
  body: [...facts.map((f) => `- ${f}`), "", latencyTable(latencies), "", ...verdicts.map((v) => `- Target ${v}`), "", ...NOTES.map((n) => `- ${n}`)].join("\n"),
});
log("written to bench/RESULTS.md");
cancelLimit();
