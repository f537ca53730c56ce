// The Worker's audit trail as an operator reads it: `wrangler d1 execute DB --local` against the
// state the running `wrangler dev` persists to, through the harness (own process group, killed on
// exit, bounded in time).
import { z } from "zod";
import { runChild } from "../../../dev/stack/child-process.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";

const QUERY_TIMEOUT_MS = 30_000;

export const AuditRow = z.object({
  id: z.number(),
  at: z.string(),
  event: z.string(),
  outcome: z.string(),
  subject: z.string().nullable(),
  email: z.string().nullable(),
  client_id: z.string().nullable(),
  session: z.string().nullable(),
  secret_id: z.number().nullable(),
  secret_path: z.string().nullable(),
  field: z.string().nullable(),
  ticket_id: z.string().nullable(),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  detail: z.string().nullable(),
});
export type AuditRow = z.infer<typeof AuditRow>;

const D1Answer = z.array(z.object({ success: z.literal(true), results: z.array(AuditRow) })).length(1);

export async function readAuditRows(persistTo: string): Promise<AuditRow[]> {
  const output = await runChild({
    name: "wrangler d1 execute",
    command: "npx",
    args: ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", "SELECT * FROM audit_events ORDER BY id"],
    env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    cwd: PROJECT_ROOT,
    timeoutMs: QUERY_TIMEOUT_MS,
  });
  // The harness keeps stdout and stderr together; the JSON answer is the line-initial array.
  const start = output.search(/^\[/m);
  if (start < 0) throw new Error(`wrangler d1 execute printed no JSON:\n${output}`);
  return D1Answer.parse(JSON.parse(output.slice(start)))[0]!.results;
}
