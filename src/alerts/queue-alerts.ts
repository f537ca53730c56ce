// The hook between the audit trail and the alert outbox: after audit rows are written, the ones
// whose event is in ALERT_EVENTS become alerts in the AlertOutbox. It reads the Worker's env from
// `cloudflare:workers`, so every writer of audit rows (redemption, revocation, CI, the TicketStore's
// outbox, sign-in) alerts without passing anything new around.
import { env, waitUntil } from "cloudflare:workers";
import type { AuditEvent, AuditEventName, OnceEvent, WrittenRow } from "../audit/audit-rows";
import { loadConfig, type Config } from "../config";
import { logEvent } from "../log";
import { alertOf, type WrittenEvent } from "./alert";
import { alertOutboxFor } from "./alert-outbox";

function currentConfig(): Config | undefined {
  try {
    return loadConfig(env);
  } catch {
    // Broken settings fail every request with CONFIG_INVALID already; the audit write still stands.
    return undefined;
  }
}

/** Whether rows of this event alert under the current settings (no URL: never). */
export function alerts(event: AuditEventName): boolean {
  return currentConfig()?.alerts?.events.has(event) ?? false;
}

/** Queues alerts for the written rows that alert. Resolves once they are queued, not delivered. */
export async function queueAlerts(written: WrittenEvent[]): Promise<void> {
  const config = currentConfig();
  const settings = config?.alerts;
  if (!config || !settings) return;
  const due = written.filter((w) => settings.events.has(w.event.event));
  if (due.length === 0) return;
  await alertOutboxFor(env).enqueue(due.map((w) => alertOf(w, config.publicUrl)));
}


/** Pairs each event with the row D1 wrote for it; skipped rows are left out. */
function writtenOf(events: AuditEvent[], results: D1Result<WrittenRow>[]): WrittenEvent[] {
  return events.flatMap((event, i) => {
    const row = results[i]?.results[0];
    return row ? [{ id: row.id, at: row.at, event }] : [];
  });
}

/** After recordAudit: queued in the background. */
export function alertOnWrite(events: AuditEvent[], results: D1Result<WrittenRow>[]): void {
  if (events.some((e) => alerts(e.event))) queueAlertsInBackground(writtenOf(events, results));
}

/**
 * After recordAuditOnce (the TicketStore's outbox, in its alarm): awaited, so a failure leaves the
 * outbox rows for the next delivery. A row skipped as a repeat (its first delivery's answer was
 * lost) is looked up, and its alert queued again under the same id: at least once, not at most.
 */
export async function alertOnceWritten(db: D1Database, events: OnceEvent[], results: D1Result<WrittenRow>[]): Promise<void> {
  if (!events.some((e) => alerts(e.event))) return;
  const written: WrittenEvent[] = [];
  for (const [i, event] of events.entries()) {
    if (!alerts(event.event)) continue;
    const row =
      results[i]?.results[0] ??
      (await db
        .prepare("SELECT id, at FROM audit_events WHERE ticket_id = ?1 AND event = ?2 AND session = ?3 ORDER BY id LIMIT 1")
        .bind(event.ticketId, event.event, event.session)
        .first<WrittenRow>());
    if (row) written.push({ id: row.id, at: row.at, event });
  }
  await queueAlerts(written);
}

/**
 * Queued off the caller's path: a redemption refused as a replay answers at once, and the
 * queuing finishes in the background of its request.
 */
function queueAlertsInBackground(written: WrittenEvent[]): void {
  if (!written.some((w) => alerts(w.event.event))) return;
  const queued = queueAlerts(written).catch((err: unknown) => {
    logEvent("error", "alert not queued", { event: "alert_queue_failed", error: err instanceof Error ? err.name : "unknown" });
  });
  try {
    waitUntil(queued);
  } catch {
    // No request to extend (a test calling in directly): the promise still runs to its end.
  }
}
