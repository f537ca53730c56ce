// The audit trail in D1: one row per ticket event. Rows carry identities, secret ids and paths,
// and the short ticket id — never a value, never a ticket or token.
import { alertOnceWritten, alertOnWrite } from "../alerts/queue-alerts";
import { bind, INSERT_ONCE, writeAuditRows, type AuditEvent, type OnceEvent, type WrittenRow } from "./audit-rows";
import type { TicketRecord } from "../tickets/ticket-record";

export { AUDIT_EVENTS, AuditEvent, type AuditEventName, type OnceEvent } from "./audit-rows";

/** Writes the events in one batch (all or none). */
export async function recordAudit(db: D1Database, events: AuditEvent | AuditEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  const results = await writeAuditRows(db, list);
  // Rows in ALERT_EVENTS become alerts, queued in the background: never on the caller's path.
  alertOnWrite(list, results);
}

/**
 * Writes the events in one batch, skipping any already written: the audit outbox delivers at
 * least once (a batch D1 accepted may be sent again if its answer was lost), and this makes the
 * repeat harmless.
 */
export async function recordAuditOnce(db: D1Database, events: OnceEvent[]): Promise<void> {
  if (events.length === 0) return;
  const results = await db.batch<WrittenRow>(events.map((e) => bind(db, e, INSERT_ONCE)));
  await alertOnceWritten(db, events, results);
}

/** The identity and secret columns of an event about a ticket. */
export function describeTicket(record: TicketRecord, ticketId: string): Omit<AuditEvent, "event" | "outcome"> & { session: string; ticketId: string } {
  return {
    subject: record.subject,
    email: record.email,
    clientId: record.clientId,
    session: record.session,
    secretId: record.secretId,
    secretPath: record.secretPath,
    field: record.fields.join(","),
    ticketId,
  };
}
