// Figures of the MCP benches (load-agents.ts, mcp-latency.ts) as console lines and Markdown, with
// the targets from issue 6: the get_secret_environment_variable round trip within 50 ms p50, tool
// call to secret-in-variable within 150 ms p50, one Secret Server token request per 1,000
// redemptions at most.
import type { Summary } from "./percentiles.ts";

export const TARGET_TOOL_P50_MS = 50;
export const TARGET_VARIABLE_P50_MS = 150;
export const TARGET_TOKENS_PER_1000 = 1;

export type Latency = { name: string; summary: Summary };

const ms = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(1));
const met = (ok: boolean) => (ok ? "met" : "NOT met");

export function latencyLine({ name, summary }: Latency): string {
  return `${name}: p50 ${ms(summary.p50)} ms, p99 ${ms(summary.p99)} ms (${summary.count} samples)`;
}

export function latencyTable(rows: readonly Latency[]): string {
  return [
    "| Measured | samples | p50 (ms) | p99 (ms) | mean (ms) |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows.map(({ name, summary: s }) => `| ${name} | ${s.count} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} |`),
  ].join("\n");
}

export function latencyVerdicts(tool: Summary, variable: Summary): string[] {
  return [
    `tool call round trip p50 <= ${TARGET_TOOL_P50_MS} ms: ${met(tool.p50 <= TARGET_TOOL_P50_MS)} (${ms(tool.p50)} ms)`,
    `tool call to secret in variable p50 <= ${TARGET_VARIABLE_P50_MS} ms: ${met(variable.p50 <= TARGET_VARIABLE_P50_MS)} (${ms(variable.p50)} ms)`,
  ];
}

export function tokensPer1000(tokenRequests: number, redemptions: number): number {
  return redemptions === 0 ? Number.NaN : (tokenRequests / redemptions) * 1000;
}

export function tokenVerdict(tokenRequests: number, redemptions: number): string {
  const per1000 = tokensPer1000(tokenRequests, redemptions);
  return `<= ${TARGET_TOKENS_PER_1000} Secret Server token request per 1,000 redemptions: ${met(per1000 <= TARGET_TOKENS_PER_1000)} (${tokenRequests} for ${redemptions} = ${per1000.toFixed(2)} per 1,000)`;
}
