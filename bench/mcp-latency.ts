// node bench/mcp-latency.ts (Node 22: through npm or npx) — one coding agent, one request at a
// time, against the real product on 127.0.0.1 (Secret Server stand-in, local OpenID provider,
// wrangler dev): the get_secret_environment_variable round trip over MCP (target: 50 ms p50) and
// the whole way from that tool call to the secret in a shell variable, the script run in bash
// (target: 150 ms p50). Prints the figures, writes its section of bench/RESULTS.md, stops
// everything. Bounded: about half a minute of steps.
import { describeMachine, machineLine } from "./machine.ts";
import { BENCH_ACCESS_POLICY, BENCH_SECRET, closeAgents, mintIntoVariable, signInAgents, type McpAgent } from "./mcp-agents.ts";
import { latencyLine, latencyTable, latencyVerdicts, type Latency } from "./mcp-report.ts";
import { summarize } from "./percentiles.ts";
import { writeResults } from "./results.ts";
import { sleep, stopAfter } from "./run-limit.ts";
import { loadSeededValues } from "../test/e2e/support/seeded-values.ts";
import { startMcpStack } from "../test/e2e/support/mcp-stack.ts";

const WARM_UP_STEPS = 5;
const STEPS = 120;
/**
 * One step per 200 ms at most: the script's curl comes from 127.0.0.1 and one agent is one ticket
 * session, so redemptions must stay under REDEEM_LIMIT_SESSION's 60 per 10 s (wrangler.toml).
 * The pause falls between steps, never inside a measured one.
 */
const MIN_STEP_MS = 200;
const RUN_LIMIT_MS = 240_000;

type Samples = { tool: number[]; variable: number[] };

async function measure(agent: McpAgent, expected: string): Promise<Samples> {
  const samples: Samples = { tool: [], variable: [] };
  for (let step = 0; step < WARM_UP_STEPS + STEPS; step++) {
    const began = performance.now();
    const times = await mintIntoVariable(agent, expected);
    if (step >= WARM_UP_STEPS) {
      samples.tool.push(times.toolMs);
      samples.variable.push(times.totalMs);
    }
    await sleep(MIN_STEP_MS - (performance.now() - began));
  }
  return samples;
}

async function run(log: (line: string) => void): Promise<Samples> {
  const expected = (await loadSeededValues()).valueOf(BENCH_SECRET.id, BENCH_SECRET.field);
  log("starting the Secret Server stand-in, the OpenID provider and wrangler dev...");
  const stack = await startMcpStack({ accessPolicy: BENCH_ACCESS_POLICY });
  let agents: McpAgent[] = [];
  try {
    agents = await signInAgents(stack, 1, 1);
    log(`measuring ${STEPS} steps one at a time (after ${WARM_UP_STEPS} unmeasured)...`);
    return await measure(agents[0]!, expected);
  } finally {
    await closeAgents(agents);
    await stack.close();
  }
}

const log = (line: string) => console.log(line);
const machine = await describeMachine();
const cancelLimit = stopAfter(RUN_LIMIT_MS, "mcp-latency");
log(`mcp-latency on ${machineLine(machine)}`);
const samples = await run(log);
const latencies: Latency[] = [
  { name: "tool call round trip (get_secret_environment_variable over MCP)", summary: summarize(samples.tool) },
  { name: "tool call to secret in variable (tool call, then the script in bash until it exits)", summary: summarize(samples.variable) },
];
const verdicts = latencyVerdicts(latencies[0]!.summary, latencies[1]!.summary);
for (const line of [...latencies.map(latencyLine), ...verdicts.map((v) => `target ${v}`)]) log(line);
await writeResults({
  script: "bench:mcp",
  title: "One agent: MCP tool call and tool call to secret in variable",
  machine,
  body: [
    latencyTable(latencies),
    "",
    ...verdicts.map((v) => `- Target ${v}`),
    "",
    "- One agent signed in through the real OAuth flow, one step at a time; the stand-in answers at once, so the figures are the Worker under wrangler dev, the MCP SDK client and bash with curl.",
    "- Secret in variable ends when bash, having run the script exactly as the tool returned it and written the variable to a file, has exited: the time a terminal tool would wait.",
  ].join("\n"),
});
log("written to bench/RESULTS.md");
cancelLimit();
