// The audit trail in D1: one row per ticket event. Rows carry identities, secret ids and paths,
// and the short ticket id — never a value, never a ticket or token.
import type { TicketRecord } from "../tickets/ticket-record";

export type AuditEventName = "mint" | "redeem" | "replay" | "expire" | "deny" | "revoke" | "upstream_error";

export type AuditEvent = {
  event: AuditEventName;
  /** A stable, non-secret code: `ok`, `unknown`, `expired`, `used`, `in_flight`, an error code... */
  outcome: string;
  at?: number;
  subject?: string;
  email?: string;
  clientId?: string;
  session?: string;
  secretId?: number;
  secretPath?: string;
  field?: string;
  ticketId?: string;
  clientIp?: string;
  userAgent?: string;
  /** Non-secret context (CI repository, ref, run id; upstream status). */
  detail?: Record<string, string | number | boolean>;
};

/** Longest user agent kept: enough to tell clients apart, bounded so rows stay small. */
const USER_AGENT_MAX_CHARS = 256;

const INSERT = `INSERT INTO audit_events
  (at, event, outcome, subject, email, client_id, session, secret_id, secret_path, field, ticket_id, client_ip, user_agent, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function bind(db: D1Database, e: AuditEvent): D1PreparedStatement {
  return db.prepare(INSERT).bind(
    new Date(e.at ?? Date.now()).toISOString(),
    e.event,
    e.outcome,
    e.subject ?? null,
    e.email ?? null,
    e.clientId ?? null,
    e.session ?? null,
    e.secretId ?? null,
    e.secretPath ?? null,
    e.field ?? null,
    e.ticketId ?? null,
    e.clientIp ?? null,
    e.userAgent?.slice(0, USER_AGENT_MAX_CHARS) ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
  );
}

/** Writes the events in one batch (all or none). */
export async function recordAudit(db: D1Database, events: AuditEvent | AuditEvent[]): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return;
  await db.batch(list.map((e) => bind(db, e)));
}

/** The identity and secret columns of an event about a ticket. */
export function describeTicket(record: TicketRecord, ticketId: string): Omit<AuditEvent, "event" | "outcome"> {
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
