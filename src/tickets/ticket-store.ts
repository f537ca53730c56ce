// One TicketStore per session (an MCP session, or one user's OAuth grant to one client). It keeps
// ticket records under SHA-256(ticket) only, and is the single place where a ticket changes state.
//
// Each method below runs without awaiting anything between its reads and writes of SQLite
// (synchronous in a Durable Object), so it executes atomically: two redemptions of one ticket, or
// two approvers deciding one request, can never both pass the checks. Expiry is checked on every
// read because alarms are at-least-once and may run late; the alarm audits expiry and cleans up.
//
// A ticket's row outlives its use: redeemed, revoked, expired and denied tickets stay as
// tombstones (hash, who, which secret; never a value) for REPLAY_MEMORY_MS, so a leaked ticket
// presented later is recognised for what it is instead of looking unknown.
import { DurableObject } from "cloudflare:workers";
import { approvalStatus, ApprovalState, type Decider } from "../approval/approval-state";
import { recordAudit, describeTicket, type AuditEvent, type OnceEvent } from "../audit/audit-log";
import { AuditOutbox } from "../audit/audit-outbox";
import { ticketIdOf } from "./ticket-format";
import { TicketRecord, type NewTicketRecord, type TicketKind } from "./ticket-record";
import { approvalOf, recordOf, refusalOf, viewOf, type ApprovalView, type RefusalReason, type Row } from "./ticket-row";

/**
 * How long a redemption may hold a ticket while it fetches from Secret Server. Longer than the
 * client's worst case (timeouts plus retries), so a slow but live redemption keeps it; short
 * enough that a Worker that died mid-redemption frees the ticket for a retry within its life.
 */
export const REDEMPTION_LEASE_MS = 30_000;

/**
 * How long the hash of an ended ticket (redeemed, revoked, expired, denied) is kept, so a later
 * use is recognised as a replay or a late use (signs the ticket leaked) rather than an unknown one.
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

export type BeginRedemption =
  | { ok: true; record: TicketRecord; approval?: ApprovalState }
  | { ok: false; reason: "pending"; record: TicketRecord; approval: ApprovalState }
  | { ok: false; reason: Exclude<RefusalReason, "pending">; record?: TicketRecord };

export type TicketStatus = { valid: true; createdAt: number; expiresAt: number } | { valid: false };

/** Why a report of a printed value is refused: each changes nothing, and all look alike on the wire. */
export type ReportRefusal = "unknown" | "wrong_kind" | "unredeemed" | "reported" | "too_late";

export type ReportResult = { ok: true; record: TicketRecord } | { ok: false; reason: ReportRefusal };

export type Decision = "approved" | "denied";

export type DecideResult =
  | { outcome: "decided"; view: ApprovalView }
  | { outcome: "already_decided" | "closed"; view: ApprovalView }
  | { outcome: "unknown" };

/** Columns added after the first release; stores created before get them on first start. */
const LATER_COLUMNS: Record<string, string> = { ended: "TEXT", approval_id: "TEXT", approval: "TEXT", reported_at: "INTEGER" };

export class TicketStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly outbox: AuditOutbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.outbox = new AuditOutbox(this.sql);
    // purge_at: when the alarm next looks at the row. For a live ticket that is its expiry (the
    // alarm audits it and turns it into a tombstone); for an ended one, when it is deleted.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS tickets (
      hash TEXT PRIMARY KEY,
      record TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      redeemed_at INTEGER,
      lease_until INTEGER,
      purge_at INTEGER NOT NULL
    )`);
    const present = new Set(this.sql.exec<{ name: string }>("PRAGMA table_info(tickets)").toArray().map((c) => c.name));
    for (const [name, type] of Object.entries(LATER_COLUMNS)) {
      if (!present.has(name)) this.sql.exec(`ALTER TABLE tickets ADD COLUMN ${name} ${type}`);
    }
    this.sql.exec("CREATE INDEX IF NOT EXISTS tickets_purge_at ON tickets (purge_at)");
    // Unique: an approval id names one request (a client could echo one back twice, see
    // approval/url-elicitation.ts). SQLite lets any number of rows hold NULL.
    this.sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS tickets_approval_id_unique ON tickets (approval_id)");
  }

  /**
   * Stores a new ticket with its audit events (mint, and approval_requested when it waits for a
   * person or for Secret Server). A waiting ticket's `expiresAt` is the approval deadline.
   */
  async mint(hash: string, record: NewTicketRecord, audit: OnceEvent, approval?: ApprovalState, approvalAudit?: OnceEvent): Promise<void> {
    const parsed = TicketRecord.safeParse(record);
    // A plain error: a ZodError does not survive the RPC boundary cleanly, and says nothing the
    // caller (our own Worker) needs.
    if (!parsed.success) throw new TypeError("invalid ticket record");
    const checkedApproval = approval === undefined ? undefined : ApprovalState.safeParse(approval);
    if (checkedApproval && !checkedApproval.success) throw new TypeError("invalid approval");
    const valid = parsed.data;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO tickets (hash, record, expires_at, purge_at, approval_id, approval) VALUES (?, ?, ?, ?, ?, ?)",
        hash,
        JSON.stringify(valid),
        valid.expiresAt,
        valid.expiresAt,
        checkedApproval?.data.id ?? null,
        checkedApproval ? JSON.stringify(checkedApproval.data) : null,
      );
      this.outbox.add(audit);
      if (approvalAudit) this.outbox.add(approvalAudit);
    });
    await this.armAlarm();
  }

  /** Tells whether a ticket is redeemable and until when, without consuming it. */
  lookup(hash: string): TicketStatus {
    const row = this.row(hash);
    if (!row || refusalOf(row, Date.now()) !== undefined) return { valid: false };
    const record = recordOf(row);
    return { valid: true, createdAt: record.createdAt, expiresAt: row.expires_at };
  }

  /**
   * Where a ticket of this kind stands, without taking it (a deposit's probe). A ticket of the
   * other kind is refused untouched, so a deposit ticket can never release a value, nor a claim
   * ticket write one.
   */
  peek(hash: string, kind: TicketKind = "claim"): BeginRedemption {
    const row = this.row(hash);
    if (!row) return { ok: false, reason: "unknown" };
    const record = recordOf(row);
    if (record.kind !== kind) return { ok: false, reason: "wrong_kind", record };
    const now = Date.now();
    const refusal = refusalOf(row, now);
    if (refusal === "pending") return { ok: false, reason: "pending", record, approval: approvalOf(row)! };
    if (refusal !== undefined) return { ok: false, reason: refusal, record };
    if (row.lease_until !== null && row.lease_until > now) return { ok: false, reason: "in_flight", record };
    const approval = approvalOf(row);
    return approval ? { ok: true, record, approval } : { ok: true, record };
  }

  /** Takes a lease on a live ticket for one use. A poll of a waiting one changes nothing. */
  beginRedemption(hash: string, kind: TicketKind = "claim"): BeginRedemption {
    const standing = this.peek(hash, kind);
    if (standing.ok) this.sql.exec("UPDATE tickets SET lease_until = ? WHERE hash = ?", Date.now() + REDEMPTION_LEASE_MS, hash);
    return standing;
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
    if (!row || row.lease_until === null || refusalOf(row, now) !== undefined) return false;
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

  /**
   * Records that the command a redeemed ticket ran printed its value `count` times
   * (the snippet concealed them), and queues the `value_printed` event in the same transaction.
   * Accepted once per ticket, from its redemption until one ticket lifetime later (TICKET_TTL; an
   * approved ticket's own), while its tombstone is kept; anything else is refused and changes
   * nothing. The redeemed ticket is the only credential the snippet still has, and its holder is
   * the only one who could have run the command.
   */
  async reportPrinted(hash: string, count: number, context: { clientIp?: string | undefined; userAgent?: string | undefined } = {}): Promise<ReportResult> {
    const row = this.row(hash);
    if (!row) return { ok: false, reason: "unknown" };
    const record = recordOf(row);
    if (record.kind !== "claim") return { ok: false, reason: "wrong_kind" };
    if (row.redeemed_at === null) return { ok: false, reason: "unredeemed" };
    if (row.reported_at !== null) return { ok: false, reason: "reported" };
    const now = Date.now();
    const ttlMs = approvalOf(row)?.ticketTtlMs ?? record.expiresAt - record.createdAt;
    if (now > row.redeemed_at + ttlMs) return { ok: false, reason: "too_late" };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE tickets SET reported_at = ? WHERE hash = ?", now, hash);
      this.outbox.add({ event: "value_printed", outcome: "ok", at: now, ...describeTicket(record, ticketIdOf(hash)), ...context, detail: { count } });
    });
    await this.armAlarm();
    return { ok: true, record };
  }

  /** Gives the ticket back after a failed fetch, so it stays usable until it expires. */
  releaseRedemption(hash: string): void {
    this.sql.exec("UPDATE tickets SET lease_until = NULL WHERE hash = ? AND redeemed_at IS NULL", hash);
  }

  /**
   * Revokes every live ticket of the session (waiting ones included) and returns them. They stay
   * as revoked tombstones; redeemed and expired ones are left exactly as they were, so a replay
   * after a revocation is still recognised. Idempotent: a second call finds nothing live.
   */
  async revokeAll(): Promise<{ ticketId: string; record: TicketRecord; approval?: ApprovalState }[]> {
    const now = Date.now();
    const live = this.sql
      .exec<Row>("SELECT * FROM tickets WHERE redeemed_at IS NULL AND ended IS NULL AND expires_at > ?", now)
      .toArray();
    this.sql.exec(
      "UPDATE tickets SET ended = 'revoked', lease_until = NULL, purge_at = ? WHERE redeemed_at IS NULL AND ended IS NULL AND expires_at > ?",
      now + REPLAY_MEMORY_MS,
      now,
    );
    await this.armAlarm();
    return live.map((row) => {
      const approval = approvalOf(row);
      return { ticketId: ticketIdOf(row.hash), record: recordOf(row), ...(approval ? { approval } : {}) };
    });
  }

  /** The ticket waiting on (or decided by) this approval, for the approval page. */
  approvalView(approvalId: string): ApprovalView | undefined {
    const row = this.approvalRow(approvalId);
    return row && viewOf(row, Date.now());
  }

  /**
   * Records a person's decision. One decision per request: the first one wins, later ones learn
   * it was already decided. The caller has checked that `by` may decide; this only enforces
   * that the request is still open.
   */
  async decide(approvalId: string, decision: Decision, by: Decider, audit: OnceEvent): Promise<DecideResult> {
    const row = this.approvalRow(approvalId);
    if (!row) return { outcome: "unknown" };
    const now = Date.now();
    const view = viewOf(row, now);
    if (view.approval.personDecision) return { outcome: "already_decided", view };
    if (view.state !== "pending") return { outcome: "closed", view };
    const approval = { ...view.approval, personDecision: { decision, by, at: now } };
    this.settle(row, approval, audit, now);
    await this.armAlarm();
    return { outcome: "decided", view: viewOf(this.row(row.hash)!, now) };
  }

  /**
   * Records what Secret Server said about its access request. Returns the ticket's view after,
   * or undefined when the ticket no longer waits (decided, revoked, expired meanwhile).
   */
  async settleSecretServer(hash: string, status: ApprovalState["secretServerStatus"] & string, audit: OnceEvent): Promise<ApprovalView | undefined> {
    const row = this.row(hash);
    const now = Date.now();
    if (!row || refusalOf(row, now) !== "pending") return undefined;
    const approval = { ...approvalOf(row)!, secretServerStatus: status };
    if (status === "Pending") return viewOf(row, now);
    this.settle(row, approval, audit, now);
    await this.armAlarm();
    return viewOf(this.row(row.hash)!, now);
  }

  /** Number of rows held (live tickets and tombstones), for tests and the soak bench. */
  size(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tickets").one().n;
  }

  /**
   * Delivers the audit outbox to D1, audits what expired, deletes what is due, and re-arms.
   * Idempotent: a second run finds nothing queued and nothing due. If a D1 write fails the alarm
   * throws and is retried, and the outbox rows and tickets are still there.
   */
  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    try {
      await this.outbox.deliver(this.env.DB);
    } catch (err) {
      if ((info?.retryCount ?? 0) < LAST_PLATFORM_RETRY) throw err;
      await this.ctx.storage.setAlarm(Date.now() + DELIVERY_RETRY_MS);
      return;
    }
    await this.expireAndPurge();
    await this.armAlarm();
  }

  /**
   * Live tickets past their expiry are audited (`expire`, or `approval_expired` for one still
   * waiting) and kept as expired tombstones; tombstones past their memory are deleted.
   */
  private async expireAndPurge(): Promise<void> {
    const now = Date.now();
    const due = this.sql.exec<Row>("SELECT * FROM tickets WHERE purge_at <= ?", now).toArray();
    const expiring = due.filter((row) => row.redeemed_at === null && row.ended === null);
    const events: AuditEvent[] = expiring.map((row) => {
      const waiting = refusalOf(row, row.expires_at - 1) === "pending";
      return {
        event: waiting ? "approval_expired" : "expire",
        outcome: "expired",
        at: row.expires_at,
        ...describeTicket(recordOf(row), ticketIdOf(row.hash)),
      };
    });
    for (let i = 0; i < events.length; i += AUDIT_BATCH) {
      await recordAudit(this.env.DB, events.slice(i, i + AUDIT_BATCH));
    }
    this.ctx.storage.transactionSync(() => {
      for (const row of expiring) {
        this.sql.exec("UPDATE tickets SET ended = 'expired', lease_until = NULL, purge_at = ? WHERE hash = ?", row.expires_at + REPLAY_MEMORY_MS, row.hash);
      }
      this.sql.exec("DELETE FROM tickets WHERE purge_at <= ? AND (redeemed_at IS NOT NULL OR ended IS NOT NULL)", now);
    });
  }

  /**
   * Stores an approval's new state; when it is now approved, the ticket lives TICKET_TTL from
   * this moment; when denied, it becomes a tombstone. The audit event goes in the same transaction.
   */
  private settle(row: Row, approval: ApprovalState, audit: OnceEvent, now: number): void {
    const status = approvalStatus(approval);
    this.ctx.storage.transactionSync(() => {
      if (status === "approved") {
        const expiresAt = now + approval.ticketTtlMs;
        this.sql.exec("UPDATE tickets SET approval = ?, expires_at = ?, purge_at = ? WHERE hash = ?", JSON.stringify(approval), expiresAt, expiresAt, row.hash);
      } else if (status === "denied") {
        this.sql.exec("UPDATE tickets SET approval = ?, ended = 'denied', purge_at = ? WHERE hash = ?", JSON.stringify(approval), now + REPLAY_MEMORY_MS, row.hash);
      } else {
        this.sql.exec("UPDATE tickets SET approval = ? WHERE hash = ?", JSON.stringify(approval), row.hash);
      }
      if (status !== "pending") this.outbox.add({ ...audit, event: status === "approved" ? "approved" : "denied", at: now });
    });
  }

  private row(hash: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM tickets WHERE hash = ?", hash).toArray()[0];
  }

  private approvalRow(approvalId: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM tickets WHERE approval_id = ?", approvalId).toArray()[0];
  }

  /**
   * Points the alarm at the outbox's delivery while audit events wait, else at the earliest purge
   * time, or clears it when nothing is left.
   */
  private async armAlarm(): Promise<void> {
    const purgeAt = this.sql.exec<{ at: number | null }>("SELECT min(purge_at) AS at FROM tickets").one().at;
    const deliveryAt = this.outbox.deliveryDue(Date.now());
    const pending = deliveryAt !== null;
    const next = deliveryAt ?? purgeAt;
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
