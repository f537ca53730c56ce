// The soak's figures as console lines and as its bench/RESULTS.md section.

/** RSS after cycle 3's drain may exceed cycle 1's by this much and still count as not growing. */
export const RSS_GROWTH_TOLERANCE = 0.15;

export type SoakCycle = {
  minted: number;
  mintMs: number;
  rowsAfterMint: number;
  /** From the end of the mint phase until every session's store held no row (or the limit). */
  drainMs: number;
  rowsAfterDrain: number;
  rssAfterMintKiB: number | undefined;
  rssAfterDrainKiB: number | undefined;
  /** Every store's and D1's files: what stays on disk, as against in memory. */
  stateAfterDrainKiB: number;
};

export type SoakResult = {
  sessions: number;
  ttlSeconds: number;
  rssBeforeKiB: number | undefined;
  cycles: SoakCycle[];
  notes: string[];
};

const mib = (kib: number | undefined) => (kib === undefined ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`);

export function drained(result: SoakResult): boolean {
  return result.cycles.every((c) => c.rowsAfterDrain === 0);
}

/** Growth of RSS after the last drain over RSS after the first, or undefined if not measured. */
export function rssGrowth(result: SoakResult): number | undefined {
  const first = result.cycles[0]?.rssAfterDrainKiB;
  const last = result.cycles.at(-1)?.rssAfterDrainKiB;
  return first === undefined || last === undefined ? undefined : last / first - 1;
}

export function verdicts(result: SoakResult): string[] {
  const growth = rssGrowth(result);
  const total = result.cycles.reduce((n, c) => n + c.minted, 0);
  return [
    drained(result)
      ? `storage: every one of ${total.toLocaleString("en")} expired tickets gone after its alarm; each of ${result.sessions} sessions back to 0 rows in every cycle`
      : `storage: NOT drained (rows left after drain: ${result.cycles.map((c) => c.rowsAfterDrain).join(", ")})`,
    growth === undefined
      ? "memory: not measured (the Worker's workerd process was not found)"
      : `memory: RSS after the last drain ${growth >= 0 ? "+" : ""}${(growth * 100).toFixed(1)}% vs after the first: ${growth <= RSS_GROWTH_TOLERANCE ? "does not grow" : "GROWS"} (tolerance ${RSS_GROWTH_TOLERANCE * 100}%)`,
  ];
}

function rows(result: SoakResult): string[][] {
  return result.cycles.map((c, i) => [
    String(i + 1),
    c.minted.toLocaleString("en"),
    `${(c.mintMs / 1000).toFixed(1)} s`,
    c.rowsAfterMint.toLocaleString("en"),
    mib(c.rssAfterMintKiB),
    `${(c.drainMs / 1000).toFixed(1)} s`,
    String(c.rowsAfterDrain),
    mib(c.rssAfterDrainKiB),
    mib(c.stateAfterDrainKiB),
  ]);
}

const HEADINGS = ["cycle", "minted", "mint took", "rows after mint", "RSS after mint", "drain took", "rows after drain", "RSS after drain", "state on disk after drain"];

export function consoleLines(result: SoakResult): string[] {
  const table = [HEADINGS, ...rows(result)];
  const widths = HEADINGS.map((_, col) => Math.max(...table.map((r) => r[col]!.length)));
  return [
    `RSS before the first cycle: ${mib(result.rssBeforeKiB)}`,
    ...table.map((r) => r.map((cell, col) => cell.padStart(widths[col]!)).join("  ")),
    ...verdicts(result),
  ];
}

export function markdown(result: SoakResult): string {
  return [
    `${result.cycles.length} cycles; each mints tickets across ${result.sessions} sessions (one TicketStore each) with TICKET_TTL_SECONDS=${result.ttlSeconds}, redeems none, then polls every session's row count until all are 0. RSS is the Worker's workerd process (VmRSS), not wrangler's proxy.`,
    "",
    `RSS before the first cycle: ${mib(result.rssBeforeKiB)}`,
    "",
    `| ${HEADINGS.join(" | ")} |`,
    `|${HEADINGS.map(() => "---").join("|")}|`,
    ...rows(result).map((r) => `| ${r.join(" | ")} |`),
    "",
    ...verdicts(result).map((v) => `- ${v}`),
    "",
    ...result.notes.map((n) => `- ${n}`),
  ].join("\n");
}
