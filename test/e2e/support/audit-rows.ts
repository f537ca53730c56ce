// The Worker's audit trail as an operator reads it (dev/stack/local-d1.ts), as typed rows.
import { z } from "zod";
import { queryLocalD1 } from "../../../dev/stack/local-d1.ts";

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

/**
 * Longer than a TicketStore's delivery interval (DELIVERY_INTERVAL_MS in src/audit/audit-outbox.ts):
 * a store delivers a burst of events at most once per interval, so a count that held still this
 * long has every row queued before the read.
 */
const SETTLE_MS = 1_500;
/** Bounds the wait: a trail that keeps growing (another test's traffic) is read as it is then. */
const SETTLE_LIMIT_MS = 10_000;

/** The rows as they are now. */
export async function readAuditRows(persistTo: string): Promise<AuditRow[]> {
  return z.array(AuditRow).parse(await queryLocalD1(persistTo, "SELECT * FROM audit_events ORDER BY at, id"));
}

/** The rows once the stores have delivered what they queued before the call. */
export async function settledAuditRows(persistTo: string): Promise<AuditRow[]> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let rows = await readAuditRows(persistTo);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const again = await readAuditRows(persistTo);
    if (again.length === rows.length || Date.now() > deadline) return again;
    rows = again;
  }
}
