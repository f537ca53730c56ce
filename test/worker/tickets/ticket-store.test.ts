import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { describeTicket, type OnceEvent } from "../../../src/audit/audit-log";
import { AuditOutbox, DELIVERY_INTERVAL_MS } from "../../../src/audit/audit-outbox";
import { createTicket, hashTicket, parseTicket, ticketIdOf } from "../../../src/tickets/ticket-format";
import type { TicketRecord } from "../../../src/tickets/ticket-record";
import { REPLAY_MEMORY_MS, type TicketStore } from "../../../src/tickets/ticket-store";
import { deliverAudit, queuedAudit } from "./audit-delivery";

function freshStore() {
  const id = env.TICKETS.newUniqueId();
  return { id, stub: env.TICKETS.get(id) };
}

function record(overrides: Partial<TicketRecord> = {}): TicketRecord {
  const now = Date.now();
  return {
    kind: "claim",
    trimTrailingNewline: false,
    emailVerified: true,
    secretId: 7,
    secretPath: "db/prod",
    requiresComment: false,
    checkOutEnabled: false,
    fields: ["password"],
    subject: "user-1",
    email: "alice@demo.test",
    groups: ["db-admins"],
    clientId: "client-1",
    session: "session-1",
    createdAt: now,
    expiresAt: now + 120_000,
    ...overrides,
  };
}

/** The audit event the Worker hands the store with a mint or a redemption. */
function audited(event: OnceEvent["event"], hash: string, rec: TicketRecord): OnceEvent {
  return { event, outcome: "ok", ...describeTicket(rec, ticketIdOf(hash)) };
}

async function mintOne(overrides: Partial<TicketRecord> = {}) {
  const { id, stub } = freshStore();
  const ticket = createTicket(id.toString());
  const hash = await hashTicket(ticket);
  const rec = record(overrides);
  await stub.mint(hash, rec, audited("mint", hash, rec));
  return { id, stub, ticket, hash, rec, redeemed: audited("redeem", hash, rec) };
}

async function auditEvents(ticketId: string) {
  const { results } = await env.DB.prepare("SELECT event, outcome FROM audit_events WHERE ticket_id = ? ORDER BY at, id").bind(ticketId).all();
  return results.map((r) => `${r.event}:${r.outcome}`);
}

/** Makes every D1 batch of this store fail until restored, as a D1 outage would. */
function breakD1(instance: TicketStore) {
  const db = (instance as unknown as { env: Env }).env.DB;
  return vi.spyOn(db, "batch").mockRejectedValue(new Error("D1 unavailable"));
}

describe("ticket format", () => {
  it("routes to the session object and carries 256 random bits", () => {
    const routing = env.TICKETS.idFromName("s").toString();
    const a = createTicket(routing);
    const b = createTicket(routing);
    expect(a).toMatch(/^cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(parseTicket(a)?.routing).toBe(routing);
  });

  it("refuses anything that is not a well-formed ticket", () => {
    for (const bad of ["", "cct_", "Bearer x", `cct_${"g".repeat(64)}_${"a".repeat(43)}`, `cct_${"a".repeat(64)}_${"a".repeat(42)}`]) {
      expect(parseTicket(bad)).toBeUndefined();
    }
  });

  it("names a ticket by a short hash prefix, never the ticket", async () => {
    const ticket = createTicket("0".repeat(64));
    const id = ticketIdOf(await hashTicket(ticket));
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(ticket).not.toContain(id);
  });
});

describe("TicketStore", () => {
  it("stores only the hash of the ticket", async () => {
    const { stub, ticket, hash } = await mintOne();
    await runInDurableObject(stub, (_instance, state) => {
      const dump = JSON.stringify(state.storage.sql.exec("SELECT * FROM tickets").toArray());
      expect(dump).toContain(hash);
      expect(dump).not.toContain(ticket);
      expect(dump).not.toContain(ticket.slice(-43)); // the key alone (base64url, may hold "_")
    });
  });

  it("lets exactly one of 100 concurrent redemptions of one ticket through", async () => {
    const { stub, hash, redeemed } = await mintOne();
    const results = await Promise.all(Array.from({ length: 100 }, () => stub.beginRedemption(hash)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "in_flight")).toHaveLength(99);
    expect(await stub.completeRedemption(hash, redeemed)).toBe(true);
    const after = await Promise.all(Array.from({ length: 10 }, () => stub.beginRedemption(hash)));
    expect(after.every((r) => !r.ok && r.reason === "used")).toBe(true);
  });

  it("refuses an expired ticket even when its alarm has not run", async () => {
    const { stub, hash } = await mintOne({ expiresAt: Date.now() - 1 });
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: false, reason: "expired" });
    expect(await stub.lookup(hash)).toEqual({ valid: false });
  });

  it("lookup tells validity and expiry without consuming the ticket", async () => {
    const expiresAt = Date.now() + 60_000;
    const { stub, hash } = await mintOne({ expiresAt });
    expect(await stub.lookup(hash)).toMatchObject({ valid: true, expiresAt });
    expect(await stub.lookup(hash)).toMatchObject({ valid: true, expiresAt });
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
  });

  it("releasing a failed redemption keeps the ticket usable once more", async () => {
    const { stub, hash, redeemed } = await mintOne();
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    await stub.releaseRedemption(hash);
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    expect(await stub.completeRedemption(hash, redeemed)).toBe(true);
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: false, reason: "used" });
  });

  it("does not burn a ticket whose life ended during the fetch", async () => {
    const { stub, hash, redeemed } = await mintOne({ expiresAt: Date.now() + 150 });
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(await stub.completeRedemption(hash, redeemed)).toBe(false);
    await deliverAudit(stub);
    expect(await auditEvents(ticketIdOf(hash))).not.toContain("redeem:ok");
  });

  it("an unknown hash is refused as unknown", async () => {
    const { stub } = freshStore();
    expect(await stub.beginRedemption("f".repeat(64))).toEqual({ ok: false, reason: "unknown" });
  });

  it("the alarm audits expired tickets, keeps them as tombstones, re-arms, and is safe to run twice", async () => {
    const { stub, hash } = await mintOne({ expiresAt: Date.now() + 50, session: "alarm-session" });
    const later = await hashTicket(createTicket("1".repeat(64)));
    const laterExpiry = Date.now() + 60_000;
    const laterRecord = record({ expiresAt: laterExpiry, session: "alarm-session" });
    await stub.mint(later, laterRecord, audited("mint", later, laterRecord));
    await new Promise((r) => setTimeout(r, 80));

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.size()).toBe(2); // the expired one stays, as a tombstone
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: false, reason: "expired" });
    expect(await stub.lookup(later)).toMatchObject({ valid: true });
    await runInDurableObject(stub, async (_i, state) => {
      expect(await state.storage.getAlarm()).toBe(laterExpiry);
    });
    // A second, late run of the same alarm finds nothing due and changes nothing.
    await runInDurableObject(stub, async (instance) => instance.alarm());
    expect(await stub.size()).toBe(2);

    const rows = await env.DB.prepare("SELECT event, outcome, ticket_id FROM audit_events WHERE session = 'alarm-session' AND event = 'expire'").all();
    expect(rows.results).toEqual([{ event: "expire", outcome: "expired", ticket_id: ticketIdOf(hash) }]);
  });

  it("forgets an expired ticket's tombstone after the replay memory", async () => {
    const { stub, hash } = await mintOne({ expiresAt: Date.now() + 20 });
    await new Promise((r) => setTimeout(r, 40));
    await runInDurableObject(stub, async (instance) => instance.alarm());
    await runInDurableObject(stub, async (_i, state) => {
      expect(await state.storage.getAlarm()).toBeGreaterThanOrEqual(Date.now() + REPLAY_MEMORY_MS - 1_000);
      state.storage.sql.exec("UPDATE tickets SET purge_at = ?", Date.now() - 1);
    });
    await runInDurableObject(stub, async (instance) => instance.alarm());
    expect(await stub.size()).toBe(0);
    expect(await stub.beginRedemption(hash)).toEqual({ ok: false, reason: "unknown" });
  });

  it("keeps a redeemed ticket's hash long enough to recognise a replay, then forgets it", async () => {
    const { stub, hash, redeemed } = await mintOne();
    await stub.beginRedemption(hash);
    await stub.completeRedemption(hash, redeemed);
    await deliverAudit(stub);
    await runInDurableObject(stub, async (_i, state) => {
      const alarm = await state.storage.getAlarm();
      expect(alarm).toBeGreaterThanOrEqual(Date.now() + REPLAY_MEMORY_MS);
      // Pretend the replay memory has passed.
      state.storage.sql.exec("UPDATE tickets SET purge_at = ?", Date.now() - 1);
    });
    await runInDurableObject(stub, async (instance) => instance.alarm());
    expect(await stub.size()).toBe(0);
    // A redeemed ticket is not reported as expired.
    expect(await auditEvents(ticketIdOf(hash))).toEqual(["mint:ok", "redeem:ok"]);
  });

  it("revokeAll turns live tickets into revoked tombstones and leaves redeemed ones as they were", async () => {
    const { stub, hash, rec, redeemed } = await mintOne();
    const other = await hashTicket(createTicket("2".repeat(64)));
    await stub.mint(other, rec, audited("mint", other, rec));
    await stub.beginRedemption(hash);
    expect(await stub.completeRedemption(hash, redeemed)).toBe(true);
    const revoked = await stub.revokeAll();
    expect(revoked.map((r) => r.ticketId)).toEqual([ticketIdOf(other)]);
    expect(await stub.beginRedemption(other)).toMatchObject({ ok: false, reason: "revoked", record: { subject: rec.subject } });
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: false, reason: "used", record: { subject: rec.subject } });
    expect(await stub.size()).toBe(2);
    expect(await stub.revokeAll()).toEqual([]); // idempotent
    // Both tombstones go after the replay memory; then nothing is left to wake the store for.
    await deliverAudit(stub);
    await runInDurableObject(stub, async (instance, state) => {
      state.storage.sql.exec("UPDATE tickets SET purge_at = ?", Date.now() - 1);
      await instance.alarm();
    });
    expect(await stub.size()).toBe(0);
    await runInDurableObject(stub, async (_i, state) => expect(await state.storage.getAlarm()).toBeNull());
  });

  it("a lease taken before a revocation cannot burn the revoked ticket", async () => {
    const { stub, hash, redeemed } = await mintOne();
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    await stub.revokeAll();
    expect(await stub.completeRedemption(hash, redeemed)).toBe(false);
  });

  it("refuses a malformed record at mint", async () => {
    const { stub } = freshStore();
    await runInDurableObject(stub, async (instance) => {
      const bad = { ...record(), fields: [] };
      await expect(instance.mint("a".repeat(64), bad, audited("mint", "a".repeat(64), bad))).rejects.toThrow("invalid ticket record");
      expect(instance.size()).toBe(0);
    });
  });
});

describe("audit outbox", () => {
  it("queues the redeem record with the burn and delivers it to D1 when the alarm runs", async () => {
    const { stub, hash, redeemed } = await mintOne();
    await stub.beginRedemption(hash);
    await runInDurableObject(stub, async (instance, state) => {
      await state.storage.deleteAlarm(); // no real alarm may deliver before the checks below
      expect(await instance.completeRedemption(hash, redeemed)).toBe(true);
      const queued = state.storage.sql.exec<{ event: string }>("SELECT event FROM audit_outbox ORDER BY id").toArray();
      expect(queued.map((q) => JSON.parse(q.event).event).at(-1)).toBe("redeem"); // the mint may be delivered already
      // Due at once, or within one delivery interval when the mint's delivery just ran; not at the purge.
      expect(await state.storage.getAlarm()).toBeLessThanOrEqual(Date.now() + DELIVERY_INTERVAL_MS);
    });
    await deliverAudit(stub); // the real alarm, due now, may win the race with the test's run of it
    expect(await auditEvents(ticketIdOf(hash))).toEqual(["mint:ok", "redeem:ok"]);
    await runInDurableObject(stub, async (_i, state) => {
      expect(await state.storage.getAlarm()).toBeGreaterThanOrEqual(Date.now() + REPLAY_MEMORY_MS); // back to the purge
    });
  });

  it("delivers the first event after a quiet spell at once, and a burst after it one interval later", async () => {
    const { stub, hash, rec } = await mintOne();
    await deliverAudit(stub);
    // The outbox alone, in the store's storage: no real alarm takes part in this.
    await runInDurableObject(stub, async (_i, state) => {
      const outbox = new AuditOutbox(state.storage.sql);
      expect(outbox.deliveryDue(Date.now())).toBeNull(); // nothing queued
      await outbox.deliver(env.DB); // an alarm for the purge alone: not a delivery to space out from
      outbox.add(audited("redeem", hash, rec));
      const quiet = Date.now();
      expect(outbox.deliveryDue(quiet)).toBe(quiet); // no delivery yet from this instance: at once
      const started = Date.now();
      await outbox.deliver(env.DB);
      outbox.add(audited("value_printed", hash, rec));
      const due = outbox.deliveryDue(started + 10)!;
      expect(due).toBeGreaterThanOrEqual(started + DELIVERY_INTERVAL_MS); // the burst waits...
      expect(due).toBeLessThanOrEqual(Date.now() + DELIVERY_INTERVAL_MS); // ...for one interval, no more
      expect(outbox.deliveryDue(due + 5)).toBe(due + 5); // and once that has passed, at once again
      await outbox.deliver(env.DB);
    });
    expect(await auditEvents(ticketIdOf(hash))).toEqual(["mint:ok", "redeem:ok", "value_printed:ok"]);
  });

  it("records the time of the redemption, not of the delivery", async () => {
    const { stub, hash, redeemed } = await mintOne();
    await stub.beginRedemption(hash);
    const before = Date.now();
    await stub.completeRedemption(hash, redeemed);
    await new Promise((r) => setTimeout(r, 50));
    await deliverAudit(stub);
    const row = await env.DB.prepare("SELECT at FROM audit_events WHERE ticket_id = ? AND event = 'redeem'").bind(ticketIdOf(hash)).first<{ at: string }>();
    expect(Date.parse(row!.at) - before).toBeLessThan(50);
  });

  it("keeps a queued record through a failed D1 delivery and delivers it on the retry", async () => {
    const { stub, hash } = await mintOneBroken();
    expect(await queuedAudit(stub)).toBe(1);
    expect(await auditEvents(ticketIdOf(hash))).toEqual([]);
    await runInDurableObject(stub, async (instance) => instance.alarm()); // D1 is back: the retry
    expect(await queuedAudit(stub)).toBe(0);
    expect(await auditEvents(ticketIdOf(hash))).toEqual(["mint:ok"]);
  });

  it("re-arms the alarm itself when a delivery outlives the platform's retries", async () => {
    const { stub } = await mintOneBroken({ retryCount: 5, isRetry: true, scheduledTime: Date.now() });
    expect(await queuedAudit(stub)).toBe(1);
    await runInDurableObject(stub, async (_i, state) => {
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + 60_000);
    });
  });

  it("writes a record delivered twice only once", async () => {
    const { stub, hash } = await mintOne();
    await deliverAudit(stub);
    await runInDurableObject(stub, async (instance, state) => {
      // As if D1 accepted the batch but its answer was lost: the row is sent again.
      const rec = record();
      state.storage.sql.exec("INSERT INTO audit_outbox (event) VALUES (?)", JSON.stringify({ ...audited("mint", hash, rec), at: Date.now() }));
      await instance.alarm();
    });
    expect(await queuedAudit(stub)).toBe(0);
    expect(await auditEvents(ticketIdOf(hash))).toEqual(["mint:ok"]);
  });

  it("burns a ticket only together with its audit record", async () => {
    const { stub, hash, redeemed } = await mintOne();
    await deliverAudit(stub);
    await stub.beginRedemption(hash);
    await runInDurableObject(stub, async (instance, state) => {
      // The record fails inside the transaction, after the burn's UPDATE ran: both must roll back.
      const bogus = { ...redeemed, event: "bogus" } as unknown as OnceEvent;
      await expect(instance.completeRedemption(hash, bogus)).rejects.toThrow("invalid audit event");
      expect(state.storage.sql.exec("SELECT redeemed_at FROM tickets").one().redeemed_at).toBeNull();
      expect(state.storage.sql.exec("SELECT count(*) AS n FROM audit_outbox").one().n).toBe(0);
    });
    await stub.releaseRedemption(hash);
    await stub.beginRedemption(hash);
    expect(await stub.completeRedemption(hash, redeemed)).toBe(true);
  });

  it("stores a ticket only together with its mint record", async () => {
    const { stub } = freshStore();
    const rec = record();
    const bad = { ...audited("mint", "b".repeat(64), rec), outcome: "" };
    await runInDurableObject(stub, async (instance) => {
      await expect(instance.mint("b".repeat(64), rec, bad)).rejects.toThrow("invalid audit event");
      expect(instance.size()).toBe(0);
    });
    expect(await queuedAudit(stub)).toBe(0);
  });
});

/** Mints one ticket while D1 is down and runs the alarm once (with `info`); D1 is back after. */
async function mintOneBroken(info?: AlarmInvocationInfo) {
  const { id, stub } = freshStore();
  const hash = await hashTicket(createTicket(id.toString()));
  const rec = record();
  await runInDurableObject(stub, async (instance) => {
    const broken = breakD1(instance);
    try {
      await instance.mint(hash, rec, audited("mint", hash, rec));
      const run = instance.alarm(info);
      if (info) await run;
      else await expect(run).rejects.toThrow("D1 unavailable");
    } finally {
      broken.mockRestore();
    }
  });
  return { stub, hash };
}
