// The soak's figures as console lines and as its bench/RESULTS.md section.

/** Memory after the last cycle may exceed the first cycle's by this much and still count as not growing. */
export const MEMORY_GROWTH_TOLERANCE = 0.15;

export type SoakCycle = {
  minted: number;
  mintMs: number;
  rowsAfterMint: number;
  /** From the end of the mint phase until every session's store held no row (or the limit). */
  drainMs: number;
  rowsAfterDrain: number;
  /** Rows in D1's audit table after the drain, over all cycles so far. */
  auditRows: number;
  rssAfterMintKiB: number | undefined;
  /** Before any forced collection: includes garbage V8 has not collected yet. */
  rssAfterDrainKiB: number | undefined;
  /** After a full collection in every isolate of the process (undefined with --no-gc). */
  rssAfterGcKiB: number | undefined;
  /** The Worker's live JS heap after that collection. */
  workerHeapKiB: number | undefined;
  /** Every store's and D1's files: what stays on disk, as against in memory. */
  stateAfterDrainKiB: number;
};

export type SoakResult = {
  sessions: number;
  ttlSeconds: number;
  rssBeforeKiB: number | undefined;
  /** Whether memory was measured after a forced collection (see bench/isolate-heap.ts). */
  forcedGc: boolean;
  cycles: SoakCycle[];
  notes: string[];
};

const mib = (kib: number | undefined) => (kib === undefined ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`);

export function drained(result: SoakResult): boolean {
  return result.cycles.every((c) => c.rowsAfterDrain === 0);
}

/** Every ticket left its two audit rows in D1 (`mint`, and `expire` from the alarm) by the end of its cycle. */
export function audited(result: SoakResult): boolean {
  let minted = 0;
  return result.cycles.every((c) => (minted += c.minted) * 2 === c.auditRows);
}

/** Growth of a figure from the first cycle to the last, or undefined if not measured. */
function growth(result: SoakResult, figure: (c: SoakCycle) => number | undefined): number | undefined {
  const first = result.cycles[0] && figure(result.cycles[0]);
  const last = result.cycles.at(-1) && figure(result.cycles.at(-1)!);
  return first === undefined || last === undefined ? undefined : last / first - 1;
}

function growthVerdict(what: string, g: number): string {
  return `${what} ${g >= 0 ? "+" : ""}${(g * 100).toFixed(1)}% from the first cycle to the last: ${g <= MEMORY_GROWTH_TOLERANCE ? "does not grow" : "GROWS"} (tolerance ${MEMORY_GROWTH_TOLERANCE * 100}%)`;
}

function memoryVerdicts(result: SoakResult): string[] {
  const afterGc = growth(result, (c) => c.rssAfterGcKiB);
  const heap = growth(result, (c) => c.workerHeapKiB);
  if (afterGc !== undefined && heap !== undefined) {
    return [growthVerdict("memory: RSS after a forced collection", afterGc), growthVerdict("memory: the Worker's live JS heap", heap)];
  }
  const raw = growth(result, (c) => c.rssAfterDrainKiB);
  if (raw === undefined) return ["memory: not measured (the Worker's workerd process was not found)"];
  return [`${growthVerdict("memory: RSS after drain, no collection forced", raw)}; uncollected garbage counts`];
}

export function verdicts(result: SoakResult): string[] {
  const total = result.cycles.reduce((n, c) => n + c.minted, 0);
  return [
    drained(result)
      ? `storage: every one of ${total.toLocaleString("en")} expired tickets gone after its alarm; each of ${result.sessions} sessions back to 0 rows in every cycle`
      : `storage: NOT drained (rows left after drain: ${result.cycles.map((c) => c.rowsAfterDrain).join(", ")})`,
    audited(result)
      ? `audit: D1 holds a mint and an expire row for every ticket (${(total * 2).toLocaleString("en")} rows) at the end of every cycle`
      : `audit: rows MISSING in D1 (rows after each cycle: ${result.cycles.map((c) => c.auditRows).join(", ")}; expected 2 per ticket)`,
    ...memoryVerdicts(result),
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
    c.auditRows.toLocaleString("en"),
    mib(c.rssAfterDrainKiB),
    mib(c.rssAfterGcKiB),
    mib(c.workerHeapKiB),
    mib(c.stateAfterDrainKiB),
  ]);
}

const HEADINGS = ["cycle", "minted", "mint took", "rows after mint", "RSS after mint", "drain took", "rows after drain", "audit rows in D1", "RSS after drain", "RSS after GC", "Worker heap after GC", "state on disk after drain"];

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
    `${result.cycles.length} cycles; each mints tickets across ${result.sessions} sessions (one TicketStore each) with TICKET_TTL_SECONDS=${result.ttlSeconds}, redeems none, then polls every session's row count until all are 0. RSS is the Worker's workerd process (VmRSS), not wrangler's proxy. ${result.forcedGc ? "After each drain, a full garbage collection is forced through that process's inspector in the isolates the soak's work runs in (the Worker's, which its Durable Objects share, Miniflare's entry router and D1's two); \"RSS after GC\" and the Worker's live JS heap are measured after it." : "No collection was forced (`--no-gc`): RSS includes garbage V8 has not collected yet."}`,
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
