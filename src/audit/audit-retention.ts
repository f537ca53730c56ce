// Retention of the audit trail: rows older than AUDIT_RETENTION_DAYS (default and bounds in
// src/config.ts) are deleted by the Worker's daily cron (wrangler.toml [triggers]), in bounded
// batches so one run stays within D1's limits on a large table; what a run leaves, the next takes.
import { loadConfig } from "../config";
import { logEvent } from "../log";

/** Rows one DELETE removes: small enough for one D1 statement, large enough to keep up. */
const DELETE_BATCH_ROWS = 1000;
/** Batches per run: at most 50,000 rows a day; a backlog (a shortened retention) shrinks over days. */
const MAX_BATCHES_PER_RUN = 50;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The oldest `at` that is kept when the run happens at `now`. */
export function retentionCutoff(now: number, retentionDays: number): string {
  return new Date(now - retentionDays * DAY_MS).toISOString();
}

/**
 * Deletes rows with `at` before the cutoff, oldest first; returns how many. `at` is ISO-8601 UTC
 * with milliseconds, so text order is time order and the `at` index serves the query.
 */
export async function deleteExpiredAuditRows(db: D1Database, now: number, retentionDays: number): Promise<number> {
  const cutoff = retentionCutoff(now, retentionDays);
  let deleted = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const result = await db
      .prepare("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ?1 ORDER BY at LIMIT ?2)")
      .bind(cutoff, DELETE_BATCH_ROWS)
      .run();
    deleted += result.meta.changes;
    if (result.meta.changes < DELETE_BATCH_ROWS) break;
  }
  return deleted;
}

/** The cron's work: applies AUDIT_RETENTION_DAYS as of the run's scheduled time. */
export async function applyAuditRetention(env: Env, scheduledTime: number): Promise<number> {
  const config = loadConfig(env);
  const deleted = await deleteExpiredAuditRows(env.DB, scheduledTime, config.auditRetentionDays);
  logEvent("info", "audit retention applied", { event: "audit_retention", detail: `${deleted} rows older than ${config.auditRetentionDays} days deleted` });
  return deleted;
}
