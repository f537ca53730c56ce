// One TicketStore per session (an MCP session, or one user's OAuth grant to one client). It keeps
// ticket records under SHA-256(ticket) only, and is the single place where a ticket changes state.
//
// Each method below runs without awaiting anything between its reads and writes of SQLite
// (synchronous in a Durable Object), so it executes atomically: two redemptions of one ticket can
// never both pass the checks. Expiry is checked on every read because alarms are at-least-once and
// may run late; the alarm only cleans up.
import { DurableObject } from "cloudflare:workers";
import { recordAudit, describeTicket, type AuditEvent } from "../audit/audit-log";
import { ticketIdOf } from "./ticket-format";
import { TicketRecord } from "./ticket-record";

/**
 * How long a redemption may hold a ticket while it fetches from Secret Server. Longer than the
 * client's worst case (timeouts plus retries), so a slow but live redemption keeps it; short
 * enough that a Worker that died mid-redemption frees the ticket for a retry within its life.
 */
export const REDEMPTION_LEASE_MS = 30_000;

/**
 * How long the hash of a redeemed ticket is kept after its expiry, so a later use is recognised
 * as a replay (a sign the ticket leaked) rather than an unknown ticket.
 */
export const REPLAY_MEMORY_MS = 60 * 60_000;

/** Largest D1 batch the alarm writes at once. */
const AUDIT_BATCH = 50;

export type RefusalReason = "unknown" | "expired" | "used" | "in_flight";

export type BeginRedemption =
  | { ok: true; record: TicketRecord }
  | { ok: false; reason: RefusalReason; record?: TicketRecord };

export type TicketStatus = { valid: true; createdAt: number; expiresAt: number } | { valid: false };

type Row = {
  hash: string;
  record: string;
  expires_at: number;
  redeemed_at: number | null;
  lease_until: number | null;
  purge_at: number;
};

export class TicketStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // purge_at: when the alarm deletes the row (expiry for live tickets, expiry plus the replay
    // memory for redeemed ones).
    this.sql.exec(`CREATE TABLE IF NOT EXISTS tickets (
      hash TEXT PRIMARY KEY,
      record TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      redeemed_at INTEGER,
      lease_until INTEGER,
      purge_at INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS tickets_purge_at ON tickets (purge_at)");
  }

  async mint(hash: string, record: TicketRecord): Promise<void> {
    const parsed = TicketRecord.safeParse(record);
    // A plain error: a ZodError does not survive the RPC boundary cleanly, and says nothing the
    // caller (our own Worker) needs.
    if (!parsed.success) throw new TypeError("invalid ticket record");
    const valid = parsed.data;
    this.sql.exec(
      "INSERT INTO tickets (hash, record, expires_at, purge_at) VALUES (?, ?, ?, ?)",
      hash,
      JSON.stringify(valid),
      valid.expiresAt,
      valid.expiresAt,
    );
    await this.armAlarm();
  }

  /** Tells whether a ticket is valid and until when, without consuming it. */
  lookup(hash: string): TicketStatus {
    const row = this.row(hash);
    if (!row || row.redeemed_at !== null || row.expires_at <= Date.now()) return { valid: false };
    const record = this.parseRecord(row);
    return { valid: true, createdAt: record.createdAt, expiresAt: record.expiresAt };
  }

  /** Takes a lease on a live ticket for one redemption attempt. */
  beginRedemption(hash: string): BeginRedemption {
    const row = this.row(hash);
    if (!row) return { ok: false, reason: "unknown" };
    const record = this.parseRecord(row);
    const now = Date.now();
    if (row.redeemed_at !== null) return { ok: false, reason: "used", record };
    if (row.expires_at <= now) return { ok: false, reason: "expired", record };
    if (row.lease_until !== null && row.lease_until > now) return { ok: false, reason: "in_flight", record };
    this.sql.exec("UPDATE tickets SET lease_until = ? WHERE hash = ?", now + REDEMPTION_LEASE_MS, hash);
    return { ok: true, record };
  }

  /**
   * Burns the ticket after a successful fetch. Returns false if the lease was lost (revoked, or
   * the ticket's life ended during the fetch): the caller must then not release the value.
   */
  async completeRedemption(hash: string): Promise<boolean> {
    const row = this.row(hash);
    const now = Date.now();
    if (!row || row.redeemed_at !== null || row.lease_until === null || row.expires_at <= now) return false;
    this.sql.exec(
      "UPDATE tickets SET redeemed_at = ?, lease_until = NULL, purge_at = ? WHERE hash = ?",
      now,
      Math.max(row.expires_at, now) + REPLAY_MEMORY_MS,
      hash,
    );
    await this.armAlarm();
    return true;
  }

  /** Gives the ticket back after a failed fetch, so it stays usable until it expires. */
  releaseRedemption(hash: string): void {
    this.sql.exec("UPDATE tickets SET lease_until = NULL WHERE hash = ? AND redeemed_at IS NULL", hash);
  }

  /** Wipes every ticket of the session; returns the ids and records of those that were still live. */
  async revokeAll(): Promise<{ ticketId: string; record: TicketRecord }[]> {
    const live = this.sql
      .exec<Row>("SELECT * FROM tickets WHERE redeemed_at IS NULL AND expires_at > ?", Date.now())
      .toArray()
      .map((row) => ({ ticketId: ticketIdOf(row.hash), record: this.parseRecord(row) }));
    this.sql.exec("DELETE FROM tickets");
    await this.ctx.storage.deleteAlarm();
    return live;
  }

  /** Number of rows held (live tickets and replay tombstones), for tests and the soak bench. */
  size(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tickets").one().n;
  }

  /**
   * Deletes what is due and re-arms for the next due row. Idempotent: a second run finds nothing
   * due. Expired, never-redeemed tickets are audited as `expire` before they are deleted; if the
   * audit write fails the alarm throws and is retried, and the rows are still there.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.sql.exec<Row>("SELECT * FROM tickets WHERE purge_at <= ?", now).toArray();
    const expired: AuditEvent[] = due
      .filter((row) => row.redeemed_at === null)
      .map((row) => ({
        event: "expire",
        outcome: "expired",
        at: row.expires_at,
        ...describeTicket(this.parseRecord(row), ticketIdOf(row.hash)),
      }));
    for (let i = 0; i < expired.length; i += AUDIT_BATCH) {
      await recordAudit(this.env.DB, expired.slice(i, i + AUDIT_BATCH));
    }
    this.sql.exec("DELETE FROM tickets WHERE purge_at <= ?", now);
    await this.armAlarm();
  }

  private row(hash: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM tickets WHERE hash = ?", hash).toArray()[0];
  }

  private parseRecord(row: Row): TicketRecord {
    return TicketRecord.parse(JSON.parse(row.record));
  }

  /** Points the alarm at the earliest purge time, or clears it when nothing is left. */
  private async armAlarm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>("SELECT min(purge_at) AS at FROM tickets").one().at;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const current = await this.ctx.storage.getAlarm();
    if (current !== next) await this.ctx.storage.setAlarm(next);
  }
}
