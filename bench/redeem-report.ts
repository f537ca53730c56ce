// The redemption bench's figures, as console lines and as the Markdown section of RESULTS.md.
// Targets (issue 15), each a ratio of two figures measured side by side in one run, so the machine's
// speed cancels out: redemption p50 within 1.3x the direct read through wrangler dev, 1.2x at the
// Worker's entry, 1.1x there with the rate limiters in the isolate (20 ms stand-in), p99 at the
// entry within 1.5x; CPU per redemption within 2x GET /health's; redemptions/s at the entry at least
// half of GET /health's; one token request per 1,000 redemptions; every redemption audited.
import { tokensPer1000, tokenVerdict } from "./mcp-report.ts";
import type { LoadPlan, PathFigures } from "./redeem-phases.ts";
import type { Profile } from "./redeem-profile.ts";
import type { CpuPerRequest } from "./thread-cpu.ts";

/** The latency of a typical in-region Secret Server read: the ratios are taken here. */
export const RATIO_LATENCY_MS = 20;
/** The p99 ratio at the Worker's entry, one at a time. */
export const TARGET_P99_RATIO = 1.5;
/** CPU per redemption over CPU per GET /health, workerd's busiest thread. */
export const TARGET_CPU_RATIO = 2;
/** Redemptions/s at the entry over GET /health/s there, 64 in flight. */
export const TARGET_THROUGHPUT_SHARE = 0.5;
/** How many tickets a CPU window has ready: more than it can redeem on this machine. */
export const CPU_WINDOW_TICKETS_PER_SECOND = 1_000;

export const PATHS = {
  redemption: "redemption via wrangler dev",
  entry: "redemption at the Worker's entry",
  inIsolateLimits: "at the entry, limiters in the Worker's isolate",
  direct: "direct read",
} as const;

/** p50 ratio targets per path, 20 ms stand-in. */
export const TARGET_RATIOS: Record<string, number> = {
  [PATHS.redemption]: 1.3,
  [PATHS.entry]: 1.2,
  [PATHS.inIsolateLimits]: 1.1,
};

/** Audit rows in D1 after the run, against what the bench did. */
export type AuditCount = { redeemRows: number; mintRows: number; redemptions: number; minted: number };

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
  audit: AuditCount | undefined;
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

/** Redemption p99 / direct p99, one at a time, at the ratio latency. */
export function p99Ratio(result: RedeemBenchResult, path: string = PATHS.entry): number {
  const redemption = figuresAt(result, RATIO_LATENCY_MS, path);
  const direct = figuresAt(result, RATIO_LATENCY_MS, PATHS.direct);
  return redemption && direct ? redemption.oneAtATime.p99 / direct.oneAtATime.p99 : Number.NaN;
}

/** CPU per request of a redemption route over GET /health's, busiest thread, same run. */
export function cpuRatio(result: RedeemBenchResult, route: string): number {
  const redeem = result.cpu.routes.find((r) => r.name === route);
  const health = result.cpu.routes.find((r) => r.name === CPU_ROUTES.health);
  return redeem && health ? redeem.busiestThreadMs / health.busiestThreadMs : Number.NaN;
}

export const CPU_ROUTES = {
  redeem: "POST /redeem",
  inIsolateLimits: "POST /redeem, rate limiters counted in the Worker's isolate",
  health: "GET /health",
} as const;

export function entryRates(result: RedeemBenchResult): { redemptions: number; health: number } {
  return {
    redemptions: figuresAt(result, RATIO_LATENCY_MS, PATHS.entry)?.perSecond ?? Number.NaN,
    health: result.ceilings.find((c) => c.name.endsWith("at the Worker's entry"))?.perSecond ?? Number.NaN,
  };
}

/** The lines scripts read, exactly as issue 15 names them. */
export function keyLines(result: RedeemBenchResult): string[] {
  const rates = entryRates(result);
  const audit = result.audit;
  return [
    `ratio p50: ${p50Ratio(result).toFixed(2)}`,
    `ratio p50 at entry: ${p50Ratio(result, PATHS.entry).toFixed(2)}`,
    `ratio p50 at entry, limiters in isolate: ${p50Ratio(result, PATHS.inIsolateLimits).toFixed(2)}`,
    `ratio p99 at entry: ${p99Ratio(result).toFixed(2)}`,
    `cpu ratio redeem/health: ${cpuRatio(result, CPU_ROUTES.redeem).toFixed(2)}`,
    `redemptions/s at entry: ${Math.round(rates.redemptions)}`,
    `health/s at entry: ${Math.round(rates.health)}`,
    `audit rows: ${audit ? audit.redeemRows : "-"} for ${audit ? audit.redemptions : "-"} redemptions`,
  ];
}

function verdicts(result: RedeemBenchResult): string[] {
  const lines: string[] = [];
  for (const path of [PATHS.redemption, PATHS.entry, PATHS.inIsolateLimits]) {
    if (!figuresAt(result, RATIO_LATENCY_MS, path)) continue;
    const ratio = p50Ratio(result, path);
    const target = TARGET_RATIOS[path]!;
    lines.push(`${path}: p50 ratio at ${RATIO_LATENCY_MS} ms <= ${target}: ${met(ratio <= target)} (${ratio.toFixed(2)})`);
  }
  const p99 = p99Ratio(result);
  if (!Number.isNaN(p99)) lines.push(`${PATHS.entry}: p99 ratio at ${RATIO_LATENCY_MS} ms <= ${TARGET_P99_RATIO}: ${met(p99 <= TARGET_P99_RATIO)} (${p99.toFixed(2)})`);
  for (const route of [CPU_ROUTES.redeem, CPU_ROUTES.inIsolateLimits]) {
    const ratio = cpuRatio(result, route);
    if (!Number.isNaN(ratio)) lines.push(`CPU per request, ${route} / GET /health <= ${TARGET_CPU_RATIO}: ${met(ratio <= TARGET_CPU_RATIO)} (${ratio.toFixed(2)})`);
  }
  const rates = entryRates(result);
  const share = rates.redemptions / rates.health;
  if (!Number.isNaN(share)) {
    lines.push(
      `redemptions/s at the entry (${result.plan.concurrency} in flight, ${RATIO_LATENCY_MS} ms) >= ${TARGET_THROUGHPUT_SHARE * 100} % of GET /health/s there: ${met(share >= TARGET_THROUGHPUT_SHARE)} (${rate(rates.redemptions)}/s of ${rate(rates.health)}/s = ${(share * 100).toFixed(0)} %)`,
    );
  }
  lines.push(tokenVerdict(result.tokens.requests, result.tokens.redemptions));
  const audit = result.audit;
  if (audit) {
    const whole = audit.redeemRows === audit.redemptions && audit.mintRows === audit.minted;
    lines.push(
      `no audit row lost: ${met(whole)} (${audit.redeemRows} redeem rows in D1 for ${audit.redemptions} redemptions answered 200; ${audit.mintRows} mint rows for ${audit.minted} tickets minted)`,
    );
  }
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
    "Lines as `npm run bench:redeem` prints them:",
    "",
    "```",
    ...keyLines(result),
    "```",
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
