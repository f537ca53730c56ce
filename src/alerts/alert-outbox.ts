// AlertOutbox: the queue between the audit trail and ALERT_WEBHOOK_URL. One Durable Object for the
// deployment (alerts are rare: leaks, approvals), holding each alert until the receiver takes it.
// Queuing is one SQLite insert, and only the alarm talks to the receiver, so a dead or slow
// receiver never delays a redemption, a sign-in or an audit write. Delivery is at least once:
// an alert is deleted only after a 2xx, and carries its audit row's id for de-duplication.
// Failed attempts are retried with backoff and jitter for 24 h (alert-schedule.ts); then the alert
// is dropped and the drop audited as `alert_dropped`, so a receiver's silence is itself on record.
import { DurableObject } from "cloudflare:workers";
import { writeAuditRows, type AuditEvent } from "../audit/audit-rows";
import { loadConfig } from "../config";
import { logEvent } from "../log";
import { Alert } from "./alert";
import { afterFailure } from "./alert-schedule";
import type { AlertSettings } from "./alert-settings";
import { deliverAlert, type DeliveryFailure } from "./deliver-alert";

/** The one instance, by name. */
export const ALERT_OUTBOX_NAME = "alerts";

/** Alerts one alarm run attempts; more due ones wait for the next run, right after. */
const ATTEMPTS_PER_RUN = 50;
/** Attempts in flight at once: a slow receiver holds at most this many connections. */
const PARALLEL_ATTEMPTS = 5;

type Row = { id: number; alert: string; queued_at: number; failures: number; next_attempt_at: number; last_failure: string | null };

export type QueuedAlert = { alert: Alert; queuedAt: number; failures: number; nextAttemptAt: number; lastFailure: string | null };

export function alertOutboxFor(env: Env): DurableObjectStub<AlertOutbox> {
  return env.ALERT_OUTBOX.get(env.ALERT_OUTBOX.idFromName(ALERT_OUTBOX_NAME));
}

export class AlertOutbox extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS alerts (
      id INTEGER PRIMARY KEY,
      alert TEXT NOT NULL,
      queued_at INTEGER NOT NULL,
      failures INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_failure TEXT
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS alerts_next_attempt_at ON alerts (next_attempt_at)");
  }

  /**
   * Queues alerts for delivery now. An id already queued is ignored: the audit outbox may hand the
   * same row over twice, and the receiver gets it once per successful attempt, not per handover.
   */
  async enqueue(alerts: Alert[]): Promise<void> {
    const now = Date.now();
    for (const candidate of alerts) {
      const alert = Alert.safeParse(candidate);
      // Built by our own code: a malformed one is a bug, and must not block the others.
      if (!alert.success) {
        logEvent("error", "malformed alert not queued", { event: "alert_queue_failed" });
        continue;
      }
      this.sql.exec("INSERT OR IGNORE INTO alerts (id, alert, queued_at, next_attempt_at) VALUES (?, ?, ?, ?)", alert.data.id, JSON.stringify(alert.data), now, now);
    }
    await this.armAlarm();
  }

  /** What waits, oldest first (tests, and an operator's look through the Durable Object). */
  queued(): QueuedAlert[] {
    return this.sql
      .exec<Row>("SELECT * FROM alerts ORDER BY id")
      .toArray()
      .map((row) => ({ alert: Alert.parse(JSON.parse(row.alert)), queuedAt: row.queued_at, failures: row.failures, nextAttemptAt: row.next_attempt_at, lastFailure: row.last_failure }));
  }

  override async alarm(): Promise<void> {
    await this.attemptDue(Date.now());
    await this.armAlarm();
  }

  /** Attempts every alert due at `now` (up to ATTEMPTS_PER_RUN). */
  private async attemptDue(now: number): Promise<void> {
    const due = this.sql.exec<Row>("SELECT * FROM alerts WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?", now, ATTEMPTS_PER_RUN).toArray();
    if (due.length === 0) return;
    const settings = this.settings();
    for (let i = 0; i < due.length; i += PARALLEL_ATTEMPTS) {
      await Promise.all(due.slice(i, i + PARALLEL_ATTEMPTS).map((row) => this.attempt(row, settings, now)));
    }
  }

  /**
   * The current settings: the secret may have been rotated since the alert was queued. Without a
   * URL (alerts switched off, or settings broken) an attempt fails and the alert runs out its
   * window like any other, so switching alerts back on within 24 h loses nothing.
   */
  private settings(): AlertSettings | undefined {
    try {
      return loadConfig(this.env).alerts;
    } catch {
      return undefined;
    }
  }

  private async attempt(row: Row, settings: AlertSettings | undefined, now: number): Promise<void> {
    const alert = Alert.parse(JSON.parse(row.alert));
    const outcome = settings ? await deliverAlert(alert, settings, now) : ({ delivered: false, failure: "not_configured" } as const);
    if (outcome.delivered) {
      this.sql.exec("DELETE FROM alerts WHERE id = ?", row.id);
      return;
    }
    const failures = row.failures + 1;
    const next = afterFailure(row.queued_at, failures, Date.now(), Math.random());
    if ("retryAt" in next) {
      this.sql.exec("UPDATE alerts SET failures = ?, next_attempt_at = ?, last_failure = ? WHERE id = ?", failures, next.retryAt, outcome.failure, row.id);
      return;
    }
    await this.drop(alert, failures, outcome.failure);
  }

  /** Records the drop in the audit trail first; only then forgets the alert (a failed write keeps it for the next run). */
  private async drop(alert: Alert, failures: number, failure: DeliveryFailure): Promise<void> {
    const event: AuditEvent = {
      event: "alert_dropped",
      outcome: failure,
      ...(alert.subject !== null && { subject: alert.subject }),
      ...(alert.email !== null && { email: alert.email }),
      ...(alert.client_id !== null && { clientId: alert.client_id }),
      ...(alert.session !== null && { session: alert.session }),
      ...(alert.secret_id !== null && { secretId: alert.secret_id }),
      ...(alert.secret_path !== null && { secretPath: alert.secret_path }),
      ...(alert.ticket_id !== null && { ticketId: alert.ticket_id }),
      detail: { alert_id: alert.id, alert_event: alert.event, attempts: failures },
    };
    try {
      // Written without alerting on it: an alert about the webhook failing would fail the same way.
      await writeAuditRows(this.env.DB, [event]);
    } catch {
      logEvent("error", "alert drop not audited; kept for the next run", { event: "alert_dropped", outcome: failure });
      return;
    }
    this.sql.exec("DELETE FROM alerts WHERE id = ?", alert.id);
    logEvent("warn", "alert dropped after 24 h of failed attempts", { event: "alert_dropped", outcome: failure });
  }

  /** The alarm at the earliest next attempt, or none when nothing waits. */
  private async armAlarm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>("SELECT min(next_attempt_at) AS at FROM alerts").one().at;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }
}
