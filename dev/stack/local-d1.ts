// Reads the local D1 database (the audit trail) the way an operator does:
// `wrangler d1 execute DB --local --persist-to <state> --json --command <sql>`, through the process
// harness (own process group, bounded in time, offline).
import { z } from "zod";
import { runChild } from "./child-process.ts";
import { PROJECT_ROOT } from "./wrangler-dev.ts";

const QUERY_TIMEOUT_MS = 30_000;

/**
 * Longer than a TicketStore's delivery interval (DELIVERY_INTERVAL_MS in src/audit/audit-outbox.ts):
 * a store delivers a burst of audit events at most once per interval, so an answer that held
 * still this long has every row queued before the first read.
 */
const SETTLE_MS = 1_500;
/** Bounds the wait: an answer that keeps growing (other traffic) is taken as it is then. */
const SETTLE_LIMIT_MS = 10_000;

const D1Answer = z.array(z.object({ success: z.literal(true), results: z.array(z.record(z.string(), z.unknown())) })).length(1);

/** The command line, to show a reader what to run themselves. */
export function localD1Command(persistTo: string, sql: string): string[] {
  return ["npx", "wrangler", "d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql];
}

/** Runs one SQL statement against the local D1 state in `persistTo`; resolves to its rows. */
export async function queryLocalD1(persistTo: string, sql: string): Promise<Record<string, unknown>[]> {
  const [command = "npx", ...args] = localD1Command(persistTo, sql);
  const output = await runChild({
    name: "wrangler d1 execute",
    command,
    args,
    env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    cwd: PROJECT_ROOT,
    timeoutMs: QUERY_TIMEOUT_MS,
  });
  // stdout and stderr arrive together; the JSON answer is the array that starts a line.
  const start = output.search(/^\[/m);
  if (start < 0) throw new Error(`wrangler d1 execute printed no JSON:\n${output}`);
  return D1Answer.parse(JSON.parse(output.slice(start)))[0]!.results;
}

/** Runs `sql` until its answer holds still, so the audit rows queued before the call are in it. */
export async function querySettledLocalD1(persistTo: string, sql: string): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let rows = await queryLocalD1(persistTo, sql);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const again = await queryLocalD1(persistTo, sql);
    if (JSON.stringify(again) === JSON.stringify(rows) || Date.now() > deadline) return again;
    rows = again;
  }
}
