// The redemption bench's figures, as console lines and as the Markdown section of RESULTS.md.
// Targets come from the core issue: redemption p50 within 1.3x the direct read (20 ms stand-in),
// at least 1,000 redemptions/s from one local Worker, one token request per 1,000 redemptions.
import { tokensPer1000, tokenVerdict } from "./mcp-report.ts";
import type { LoadPlan, PathFigures } from "./redeem-phases.ts";
import type { Profile } from "./redeem-profile.ts";
import type { CpuPerRequest } from "./thread-cpu.ts";

export const TARGET_RATIO = 1.3;
export const TARGET_REDEMPTIONS_PER_SECOND = 1_000;
/** The latency of a typical in-region Secret Server read: the ratio is taken here. */
export const RATIO_LATENCY_MS = 20;

export const PATHS = {
  redemption: "redemption via wrangler dev",
  entry: "redemption at the Worker's entry",
  inIsolateLimits: "at the entry, limiters in the Worker's isolate",
  direct: "direct read",
} as const;

export type RedeemBenchResult = {
  plan: LoadPlan;
  byLatency: { latencyMs: number; figures: Map<string, PathFigures> }[];
  tokens: { requests: number; redemptions: number };
  /** Requests/s of the cheapest route at the same concurrency: the most any route gets here. */
  ceilings: { name: string; perSecond: number; errors: number }[];
  /** The Worker's workerd CPU per request at its entry, under the plan's concurrency. */
  /** `failed`: requests that failed in the window; their CPU counts, they do not (per request rises). */
  cpu: { windowMs: number; settleMs: number; routes: ({ name: string; failed: number } & CpuPerRequest)[] };
  /** Where a redemption's time goes, at each stand-in latency profiled. */
  profiles: { latencyMs: number; profile: Profile }[];
  notes: string[];
};

const ms = (x: number) => x.toFixed(1);
const rate = (x: number) => Math.round(x).toLocaleString("en-US");
const met = (ok: boolean) => (ok ? "met" : "NOT met");

function figuresAt(result: RedeemBenchResult, latencyMs: number, path: string): PathFigures | undefined {
  return result.byLatency.find((l) => l.latencyMs === latencyMs)?.figures.get(path);
}

/** Redemption p50 / direct p50, one at a time, at the ratio latency. */
export function p50Ratio(result: RedeemBenchResult, path: string = PATHS.redemption): number {
  const redemption = figuresAt(result, RATIO_LATENCY_MS, path);
  const direct = figuresAt(result, RATIO_LATENCY_MS, PATHS.direct);
  return redemption && direct ? redemption.oneAtATime.p50 / direct.oneAtATime.p50 : Number.NaN;
}

function verdicts(result: RedeemBenchResult): string[] {
  const lines: string[] = [];
  for (const path of [PATHS.redemption, PATHS.entry, PATHS.inIsolateLimits]) {
    const figures = figuresAt(result, RATIO_LATENCY_MS, path);
    if (!figures) continue;
    const ratio = p50Ratio(result, path);
    lines.push(
      `${path}: p50 ratio at ${RATIO_LATENCY_MS} ms <= ${TARGET_RATIO}: ${met(ratio <= TARGET_RATIO)} (${ratio.toFixed(2)}); ` +
        `>= ${rate(TARGET_REDEMPTIONS_PER_SECOND)} redemptions/s (${result.plan.concurrency} in flight, ${RATIO_LATENCY_MS} ms): ${met(figures.perSecond >= TARGET_REDEMPTIONS_PER_SECOND)} (${rate(figures.perSecond)}/s)`,
    );
  }
  lines.push(tokenVerdict(result.tokens.requests, result.tokens.redemptions));
  return lines;
}

/** Rows of the profile table: what the client saw, the handler, each span, and the /health floors. */
function profileRows(profiles: RedeemBenchResult["profiles"]): { name: string; values: (string | undefined)[] }[] {
  const spanNames = [...new Set(profiles.flatMap(({ profile }) => profile.spans.map((s) => s.name)))];
  const span = (p: Profile, name: string) => {
    const found = p.spans.find((s) => s.name === name);
    return found && `${ms(found.meanMs)} (${found.callsPerRedemption.toFixed(1)} calls)`;
  };
  const row = (name: string, value: (p: Profile) => string | undefined) => ({ name, values: profiles.map(({ profile }) => value(profile)) });
  return [
    row("redemption as the client saw it", (p) => ms(p.clientMeanMs)),
    row("the Worker's fetch handler", (p) => ms(p.workerMeanMs)),
    ...spanNames.map((name) => row(`  ${name}`, (p) => span(p, name))),
    row("GET /health through wrangler dev", (p) => ms(p.healthMeanMs)),
    row("GET /health at the Worker's entry", (p) => (p.healthAtEntryMeanMs === undefined ? undefined : ms(p.healthAtEntryMeanMs))),
  ];
}

function cpuLines(result: RedeemBenchResult): string[] {
  return result.cpu.routes.map(
    (c) =>
      `${c.name}: ${c.busiestThreadMs.toFixed(2)} ms CPU per request on workerd's busiest thread (${c.processMs.toFixed(2)} ms in the whole process), so at most ${rate(c.ceilingPerSecond)}/s with that thread on a core of its own${c.failed > 0 ? ` (${c.failed} requests FAILED in the window)` : ""}`,
  );
}

function profileHeading(result: RedeemBenchResult): string {
  const count = result.profiles[0]?.profile.redemptions ?? 0;
  return `where a redemption's time goes (${count} redemptions one at a time through wrangler dev, profiled bindings, mean ms per redemption)`;
}

export function consoleLines(result: RedeemBenchResult): string[] {
  const { concurrency, single, rounds, windowMs } = result.plan;
  const lines: string[] = [];
  for (const { latencyMs, figures } of result.byLatency) {
    lines.push(`stand-in latency ${latencyMs} ms — one at a time (${single} each) | ${concurrency} in flight (${rounds} x ${windowMs / 1000} s windows each)`);
    for (const [name, f] of figures) {
      lines.push(
        `  ${name.padEnd(46)} p50 ${ms(f.oneAtATime.p50).padStart(6)} ms  p99 ${ms(f.oneAtATime.p99).padStart(6)} ms | ` +
          `${rate(f.perSecond).padStart(5)}/s  p50 ${ms(f.loaded.p50).padStart(7)} ms  p99 ${ms(f.loaded.p99).padStart(7)} ms`,
      );
      if (f.errors > 0) lines.push(`    ${f.errors} failed (first: ${f.firstError})`);
      if (f.shortWindows > 0) lines.push(`    ${f.shortWindows} of ${rounds} windows ran out of tickets early`);
    }
  }
  for (const c of result.ceilings) lines.push(`ceiling: ${c.name}, ${result.plan.concurrency} in flight: ${rate(c.perSecond)}/s${c.errors ? ` (${c.errors} failed)` : ""}`);
  lines.push(...cpuLines(result).map((l) => `cpu: ${l}`));
  lines.push(`${profileHeading(result)}, stand-in at ${result.profiles.map((p) => `${p.latencyMs} ms`).join(" | ")}:`);
  for (const { name, values } of profileRows(result.profiles)) {
    lines.push(`  ${name.padEnd(40)} ${values.map((v) => String(v ?? "-").padStart(18)).join(" ")}`);
  }
  lines.push(...result.notes.map((n) => `note: ${n}`));
  lines.push(...verdicts(result).map((v) => `target ${v}`));
  return lines;
}

export function markdown(result: RedeemBenchResult): string {
  const { concurrency, single, rounds, windowMs } = result.plan;
  const rows = result.byLatency.flatMap(({ latencyMs, figures }) =>
    [...figures].map(
      ([name, f]) =>
        `| ${latencyMs} ms | ${name} | ${ms(f.oneAtATime.p50)} | ${ms(f.oneAtATime.p99)} | ${rate(f.perSecond)} | ${ms(f.loaded.p50)} | ${ms(f.loaded.p99)} | ${f.errors} |`,
    ),
  );
  return [
    `Redemption (\`POST /redeem\`, through wrangler dev's port and at the Worker's own entry behind it) against the same read made directly to the Secret Server stand-in (\`POST /api/v1/secrets/11/restricted/fields/password\`), taking turns in one run. One at a time: ${single} requests per path and latency. Under load: ${concurrency} in flight, ${rounds} windows of ${windowMs / 1000} s per path.`,
    "",
    `| Stand-in latency | Path | p50 one at a time (ms) | p99 one at a time (ms) | req/s, ${concurrency} in flight | p50 loaded (ms) | p99 loaded (ms) | errors |`,
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `**ratio p50: ${p50Ratio(result).toFixed(2)}** (redemption via wrangler dev / direct read, one at a time, ${RATIO_LATENCY_MS} ms); at the Worker's entry: ${p50Ratio(result, PATHS.entry).toFixed(2)}; there with the rate limiters counted in the Worker's isolate: ${p50Ratio(result, PATHS.inIsolateLimits).toFixed(2)}. Secret Server token requests: ${result.tokens.requests} for ${rate(result.tokens.redemptions)} redemptions (${tokensPer1000(result.tokens.requests, result.tokens.redemptions).toFixed(2)} per 1,000).`,
    "",
    ...verdicts(result).map((v) => `- Target, ${v}`),
    "",
    `Ceiling on this machine (the cheapest route, ${concurrency} in flight): ${result.ceilings.map((c) => `${c.name} ${rate(c.perSecond)}/s`).join("; ")}.`,
    "",
    ...(result.cpu.routes.length > 0
      ? [
          `CPU per request (${concurrency} in flight for ${result.cpu.windowMs / 1000} s, then ${result.cpu.settleMs / 1000} s for the alarms' audit delivery; workerd runs the Worker, its Durable Objects and, locally, Miniflare's D1 and rate limiters on one thread, so that thread bounds throughput):`,
          "",
          ...cpuLines(result).map((l) => `- ${l}`),
          "",
        ]
      : []),
    `${profileHeading(result).replace(/^w/, "W")}:`,
    "",
    `| | ${result.profiles.map((p) => `stand-in at ${p.latencyMs} ms`).join(" | ")} |`,
    `| --- | ${result.profiles.map(() => "---:").join(" | ")} |`,
    ...profileRows(result.profiles).map(({ name, values }) => `| ${name.trim()} | ${values.map((v) => v ?? "-").join(" | ")} |`),
    "",
    ...result.notes.map((n) => `- ${n}`),
  ].join("\n");
}
