// The Worker's audit trail as an operator reads it (dev/stack/local-d1.ts), as typed rows.
import { z } from "zod";
import { queryLocalD1, querySettledLocalD1 } from "../../../dev/stack/local-d1.ts";

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

const ALL_ROWS = "SELECT * FROM audit_events ORDER BY at, id";

/** The rows as they are now. */
export async function readAuditRows(persistTo: string): Promise<AuditRow[]> {
  return z.array(AuditRow).parse(await queryLocalD1(persistTo, ALL_ROWS));
}

/** The rows once the stores have delivered what they queued before the call. */
export async function settledAuditRows(persistTo: string): Promise<AuditRow[]> {
  return z.array(AuditRow).parse(await querySettledLocalD1(persistTo, ALL_ROWS));
}
