// Retention: the daily cron deletes audit rows older than AUDIT_RETENTION_DAYS and nothing newer.
// Rows are dated in 2001, where no other test writes, so deleting "old" rows here touches only
// this file's rows.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordAudit, type AuditEvent } from "../../../src/audit/audit-log";
import { deleteExpiredAuditRows } from "../../../src/audit/audit-retention";
import worker from "../../../src/index";

const DAY_MS = 24 * 60 * 60 * 1000;

async function seed(marker: string, atMs: number, count = 1): Promise<void> {
  const rows = Array.from({ length: count }, (_, i): AuditEvent => ({ event: "deny", outcome: "unknown", at: atMs + i, clientId: marker }));
  for (let i = 0; i < rows.length; i += 100) await recordAudit(env.DB, rows.slice(i, i + 100));
}

async function remaining(marker: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT at FROM audit_events WHERE client_id = ? ORDER BY at").bind(marker).all<{ at: string }>();
  return [...new Set(results.map((r) => r.at.slice(0, 10)))];
}

describe("audit retention", () => {
  it("the cron deletes rows older than AUDIT_RETENTION_DAYS (default 400) and keeps the rest", async () => {
    const marker = `retention-${crypto.randomUUID()}`;
    const runAt = Date.parse("2002-06-01T03:17:00.000Z");
    await seed(marker, runAt - 401 * DAY_MS); // 2001-04-26
    await seed(marker, runAt - 399 * DAY_MS); // 2001-04-28
    await seed(marker, runAt - 1 * DAY_MS);
    await worker.scheduled(createScheduledController({ scheduledTime: runAt, cron: "17 3 * * *" }), env);
    expect(await remaining(marker)).toEqual(["2001-04-28", "2002-05-31"]);
  });

  it("deletes a backlog larger than one batch in one run", async () => {
    const marker = `retention-${crypto.randomUUID()}`;
    const old = Date.parse("2001-01-01T00:00:00.000Z");
    await seed(marker, old, 2_500);
    await seed(marker, old + 40 * DAY_MS);
    const now = old + 40 * DAY_MS + 1;
    expect(await deleteExpiredAuditRows(env.DB, now, 30)).toBeGreaterThanOrEqual(2_500);
    expect(await remaining(marker)).toEqual(["2001-02-10"]);
  });
});
