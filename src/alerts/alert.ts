// What an alert says: the facts of one audit row, under the names of the audit columns, and a link
// that opens it on the audit page. Built when the row is written and kept as is until delivered,
// so every attempt sends the same facts under the same `id` (the receiver de-duplicates on it).
// Like the row: ids, names and the short ticket id, never a value, a ticket or a token.
import { z } from "zod";
import type { AuditEvent } from "../audit/audit-rows";
import { auditEventPath, ticketLifePath } from "../audit/view/audit-links";

export const Alert = z.object({
  /** The audit row's id: stable across retries, unique per event. */
  id: z.number().int().positive(),
  event: z.string().min(1),
  /** ISO-8601 UTC, as in the audit row. */
  at: z.string().min(1),
  subject: z.string().nullable(),
  email: z.string().nullable(),
  client_id: z.string().nullable(),
  session: z.string().nullable(),
  secret_id: z.number().int().nullable(),
  secret_path: z.string().nullable(),
  field: z.string().nullable(),
  /** The short ticket id (12 hex of the ticket's SHA-256), never the ticket. */
  ticket_id: z.string().nullable(),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  outcome: z.string(),
  /** The ticket's whole life on /audit, or this one event when it concerns no ticket. */
  audit_url: z.string().url(),
});
export type Alert = z.infer<typeof Alert>;

/** An audit row as written: the event, and the id and time D1 gave it. */
export type WrittenEvent = { id: number; at: string; event: AuditEvent };

export function alertOf(written: WrittenEvent, publicUrl: string): Alert {
  const e = written.event;
  const path = e.ticketId ? ticketLifePath(e.ticketId) : auditEventPath(written.id);
  return {
    id: written.id,
    event: e.event,
    at: written.at,
    subject: e.subject ?? null,
    email: e.email ?? null,
    client_id: e.clientId ?? null,
    session: e.session ?? null,
    secret_id: e.secretId ?? null,
    secret_path: e.secretPath ?? null,
    field: e.field ?? null,
    ticket_id: e.ticketId ?? null,
    client_ip: e.clientIp ?? null,
    user_agent: e.userAgent ?? null,
    outcome: e.outcome,
    audit_url: `${publicUrl}${path}`,
  };
}
