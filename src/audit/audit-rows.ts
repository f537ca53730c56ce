// The rows of the audit trail in D1: which events exist, what a row holds, and the statements
// that write them. No side effects beyond the write itself: audit-log.ts adds alerting on top,
// and the alert outbox writes its own rows through here (so alerting never imports itself).
import { z } from "zod";

/** Every event the trail records. The only list: D1 takes any name (migrations/0003), so a new event is added here. */
export const AUDIT_EVENTS = [
  "mint",
  "redeem",
  "replay",
  "expire",
  "deny",
  "revoke",
  "upstream_error",
  /** A revoked or expired ticket presented again: a sign it leaked (outcome `revoked`/`expired`). */
  "late_use",
  "approval_requested",
  "approved",
  "denied",
  "approval_expired",
  /** A viewer revoked a user's or an OAuth client's tickets and grants from the audit page. */
  "admin_revoke",
  /** An alert the webhook did not take within 24 h of attempts. */
  "alert_dropped",
  /** A rotated-out refresh token presented again: the grant is revoked. */
  "refresh_replay",
  /** Writes: a secret created, a password rotated, a value deposited through a deposit ticket. */
  "create",
  "rotate",
  "deposit",
  /** A command run with a redeemed value printed it; the snippet concealed it and reported the count (detail.count). */
  "value_printed",
] as const;

export const AuditEvent = z.object({
  event: z.enum(AUDIT_EVENTS),
  /** A stable, non-secret code: `ok`, `unknown`, `expired`, `used`, `in_flight`, an error code... */
  outcome: z.string().min(1),
  at: z.number().int().optional(),
  subject: z.string().optional(),
  email: z.string().optional(),
  clientId: z.string().optional(),
  session: z.string().optional(),
  secretId: z.number().int().optional(),
  secretPath: z.string().optional(),
  field: z.string().optional(),
  ticketId: z.string().optional(),
  clientIp: z.string().optional(),
  userAgent: z.string().optional(),
  /** Non-secret context (CI repository, ref, run id; upstream status). */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
export type AuditEventName = AuditEvent["event"];

/** Longest user agent kept: enough to tell clients apart, bounded so rows stay small. */
const USER_AGENT_MAX_CHARS = 256;

const COLUMNS = "at, event, outcome, subject, email, client_id, session, secret_id, secret_path, field, ticket_id, client_ip, user_agent, detail";
const VALUES = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14";
// Each insert answers its row's id and time: an alert carries them (queue-alerts.ts).
const INSERT = `INSERT INTO audit_events (${COLUMNS}) VALUES (${VALUES}) RETURNING id, at`;
// The same row unless its ticket already has this event in this session (?2 event, ?7 session,
// ?11 ticket id; the ticket_id index answers it). Within one session a 48-bit ticket id does not
// collide in practice, so this drops only repeats.
export const INSERT_ONCE = `INSERT INTO audit_events (${COLUMNS}) SELECT ${VALUES}
  WHERE NOT EXISTS (SELECT 1 FROM audit_events WHERE ticket_id = ?11 AND event = ?2 AND session = ?7) RETURNING id, at`;

export function bind(db: D1Database, e: AuditEvent, sql = INSERT): D1PreparedStatement {
  return db.prepare(sql).bind(
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

/** Events a ticket has at most once: its mint, its redemption, and its approval's course. */
export type OnceEvent = AuditEvent & {
  event: "mint" | "redeem" | "deposit" | "approval_requested" | "approved" | "denied" | "value_printed";
  session: string;
  ticketId: string;
};

/** What `INSERT … RETURNING id, at` answers per row (nothing for a row INSERT_ONCE skipped). */
export type WrittenRow = { id: number; at: string };

/** Writes the events in one batch (all or none) and answers what D1 wrote for each. */
export async function writeAuditRows(db: D1Database, events: AuditEvent[]): Promise<D1Result<WrittenRow>[]> {
  return events.length === 0 ? [] : db.batch<WrittenRow>(events.map((e) => bind(db, e)));
}
