// The TicketStore's audit outbox. Mint and redeem events are written to the Durable Object's own
// SQLite in the same transaction as the state change they record, so the record is durable before
// a value leaves without a D1 round trip on the hot path (D1's primary may be far away). The
// store's alarm delivers them to D1 later: at least once, made harmless by `recordAuditOnce`.
import { AuditEvent, recordAuditOnce, type OnceEvent } from "./audit-log";

/** Largest D1 batch one delivery writes. */
const DELIVERY_BATCH = 50;

/**
 * Deliveries from one store start at most this often. The first event after a quiet spell is
 * delivered at once; a burst (an agent or CI job using several tickets, a store under load) waits
 * for the rest of the interval and goes as one batch. Each delivery is an alarm, a D1 batch and a
 * purge scan; under load that was a third of a redemption's CPU (bench/RESULTS.md). The cost: a
 * row reaches D1 up to this much later. Durability is unchanged: the event is in the store's own
 * storage, with the change it records, before the caller hears of it.
 */
export const DELIVERY_INTERVAL_MS = 1_000;

type OutboxRow = { id: number; event: string };

export class AuditOutbox {
  private readonly sql: SqlStorage;
  /** When the last delivery started; in memory only (a fresh instance delivers at once). */
  private lastDelivery = 0;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    // AUTOINCREMENT: an id is never reused, so "delete up to the last id delivered" cannot take
    // a row added after a concurrent delivery read its batch.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS audit_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      event TEXT NOT NULL
    )`);
  }

  /**
   * Queues an event. Call it inside the transaction of the change it records. Validated here, so
   * a malformed event fails its transaction rather than blocking every later delivery.
   */
  add(event: OnceEvent): void {
    const parsed = AuditEvent.safeParse(event);
    if (!parsed.success) throw new TypeError("invalid audit event");
    // Stamped now: delivery happens later, and the row must say when the event happened.
    this.sql.exec("INSERT INTO audit_outbox (event) VALUES (?)", JSON.stringify({ ...parsed.data, at: parsed.data.at ?? Date.now() }));
  }

  /** When the queued events are due for delivery (see DELIVERY_INTERVAL_MS); null when none wait. */
  deliveryDue(now: number): number | null {
    if (this.sql.exec("SELECT 1 FROM audit_outbox LIMIT 1").toArray().length === 0) return null;
    return Math.max(now, this.lastDelivery + DELIVERY_INTERVAL_MS);
  }

  /**
   * Delivers what was queued before the call, oldest first, in batches. A row is deleted only
   * after D1 accepted its batch; a failure throws and leaves it for the next attempt.
   */
  async deliver(db: D1Database): Promise<void> {
    const upTo = this.sql.exec<{ id: number | null }>("SELECT max(id) AS id FROM audit_outbox").one().id;
    if (upTo === null) return; // an alarm for the purge alone: no delivery to space out
    this.lastDelivery = Date.now();
    for (;;) {
      const rows = this.sql.exec<OutboxRow>("SELECT id, event FROM audit_outbox WHERE id <= ? ORDER BY id LIMIT ?", upTo, DELIVERY_BATCH).toArray();
      const last = rows.at(-1);
      if (!last) return;
      // Each row was validated when it was queued, by this code, in this object's own storage.
      await recordAuditOnce(db, rows.map((row) => JSON.parse(row.event) as OnceEvent));
      this.sql.exec("DELETE FROM audit_outbox WHERE id <= ?", last.id);
    }
  }
}
