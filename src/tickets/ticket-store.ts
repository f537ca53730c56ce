// One TicketStore per session (an MCP session, or one user's OAuth grant to one client). It keeps
// ticket records under SHA-256(ticket) only, and is the single place where a ticket changes state.
//
// Each method below runs without awaiting anything between its reads and writes of SQLite
// (synchronous in a Durable Object), so it executes atomically: two redemptions of one ticket can
// never both pass the checks. Expiry is checked on every read because alarms are at-least-once and
// may run late; the alarm only cleans up.
import { DurableObject } from "cloudflare:workers";
import { recordAudit, describeTicket, type AuditEvent, type OnceEvent } from "../audit/audit-log";
import { AuditOutbox } from "../audit/audit-outbox";
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

/**
 * The platform retries a throwing alarm six times (about two minutes in all). From this retry
 * on, a failed outbox delivery re-arms the alarm itself instead of throwing, so a longer D1
 * outage cannot leave the outbox, and the purge, without an alarm.
 */
const LAST_PLATFORM_RETRY = 5;

/** When a delivery that outlived the platform's retries is tried again. */
const DELIVERY_RETRY_MS = 5 * 60_000;

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
  private readonly outbox: AuditOutbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.outbox = new AuditOutbox(this.sql);
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

  /** Stores a new ticket and queues its `mint` audit event with it. */
  async mint(hash: string, record: TicketRecord, audit: OnceEvent): Promise<void> {
    const parsed = TicketRecord.safeParse(record);
    // A plain error: a ZodError does not survive the RPC boundary cleanly, and says nothing the
    // caller (our own Worker) needs.
    if (!parsed.success) throw new TypeError("invalid ticket record");
    const valid = parsed.data;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO tickets (hash, record, expires_at, purge_at) VALUES (?, ?, ?, ?)",
        hash,
        JSON.stringify(valid),
        valid.expiresAt,
        valid.expiresAt,
      );
      this.outbox.add(audit);
    });
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
   * Burns the ticket after a successful fetch and queues its `redeem` audit event in the same
   * transaction: the burn and its record exist together or not at all, and both are durable
   * before the caller releases the value. Returns false if the lease was lost (revoked, or the
   * ticket's life ended during the fetch): the caller must then not release the value.
   */
  async completeRedemption(hash: string, audit: OnceEvent): Promise<boolean> {
    const row = this.row(hash);
    const now = Date.now();
    if (!row || row.redeemed_at !== null || row.lease_until === null || row.expires_at <= now) return false;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "UPDATE tickets SET redeemed_at = ?, lease_until = NULL, purge_at = ? WHERE hash = ?",
        now,
        Math.max(row.expires_at, now) + REPLAY_MEMORY_MS,
        hash,
      );
      this.outbox.add(audit);
    });
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
    await this.armAlarm(); // clears it, unless audit events still wait for delivery
    return live;
  }

  /** Number of rows held (live tickets and replay tombstones), for tests and the soak bench. */
  size(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tickets").one().n;
  }

  /**
   * Delivers the audit outbox to D1, deletes what is due, and re-arms. Idempotent: a second run
   * finds nothing queued and nothing due. Expired, never-redeemed tickets are audited as `expire`
   * before they are deleted. If a D1 write fails the alarm throws and is retried, and the outbox
   * rows and tickets are still there.
   */
  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    try {
      await this.outbox.deliver(this.env.DB);
    } catch (err) {
      if ((info?.retryCount ?? 0) < LAST_PLATFORM_RETRY) throw err;
      await this.ctx.storage.setAlarm(Date.now() + DELIVERY_RETRY_MS);
      return;
    }
    await this.purge();
    await this.armAlarm();
  }

  private async purge(): Promise<void> {
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
  }

  private row(hash: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM tickets WHERE hash = ?", hash).toArray()[0];
  }

  private parseRecord(row: Row): TicketRecord {
    return TicketRecord.parse(JSON.parse(row.record));
  }

  /**
   * Points the alarm at now while audit events wait for delivery, else at the earliest purge
   * time, or clears it when nothing is left.
   */
  private async armAlarm(): Promise<void> {
    const purgeAt = this.sql.exec<{ at: number | null }>("SELECT min(purge_at) AS at FROM tickets").one().at;
    const pending = this.outbox.pending;
    const next = pending ? Date.now() : purgeAt;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const current = await this.ctx.storage.getAlarm();
    // An alarm already due serves a waiting outbox; moving it would only delay the delivery.
    const serves = pending ? current !== null && current <= next : current === next;
    if (!serves) await this.ctx.storage.setAlarm(next);
  }
}
