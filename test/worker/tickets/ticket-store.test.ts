import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTicket, hashTicket, parseTicket, ticketIdOf } from "../../../src/tickets/ticket-format";
import type { TicketRecord } from "../../../src/tickets/ticket-record";
import { REPLAY_MEMORY_MS } from "../../../src/tickets/ticket-store";

function freshStore() {
  const id = env.TICKETS.newUniqueId();
  return { id, stub: env.TICKETS.get(id) };
}

function record(overrides: Partial<TicketRecord> = {}): TicketRecord {
  const now = Date.now();
  return {
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

async function mintOne(overrides: Partial<TicketRecord> = {}) {
  const { id, stub } = freshStore();
  const ticket = createTicket(id.toString());
  const hash = await hashTicket(ticket);
  await stub.mint(hash, record(overrides));
  return { id, stub, ticket, hash };
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
      expect(dump).not.toContain(ticket.split("_").at(-1));
    });
  });

  it("lets exactly one of 100 concurrent redemptions of one ticket through", async () => {
    const { stub, hash } = await mintOne();
    const results = await Promise.all(Array.from({ length: 100 }, () => stub.beginRedemption(hash)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "in_flight")).toHaveLength(99);
    expect(await stub.completeRedemption(hash)).toBe(true);
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
    const { stub, hash } = await mintOne();
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    await stub.releaseRedemption(hash);
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    expect(await stub.completeRedemption(hash)).toBe(true);
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: false, reason: "used" });
  });

  it("does not burn a ticket whose life ended during the fetch", async () => {
    const { stub, hash } = await mintOne({ expiresAt: Date.now() + 150 });
    expect(await stub.beginRedemption(hash)).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(await stub.completeRedemption(hash)).toBe(false);
  });

  it("an unknown hash is refused as unknown", async () => {
    const { stub } = freshStore();
    expect(await stub.beginRedemption("f".repeat(64))).toEqual({ ok: false, reason: "unknown" });
  });

  it("the alarm deletes expired tickets, audits them, re-arms, and is safe to run twice", async () => {
    const { stub, hash } = await mintOne({ expiresAt: Date.now() + 50, session: "alarm-session" });
    const later = await hashTicket(createTicket("1".repeat(64)));
    const laterExpiry = Date.now() + 60_000;
    await stub.mint(later, record({ expiresAt: laterExpiry, session: "alarm-session" }));
    await new Promise((r) => setTimeout(r, 80));

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.size()).toBe(1);
    expect(await stub.lookup(later)).toMatchObject({ valid: true });
    await runInDurableObject(stub, async (_i, state) => {
      expect(await state.storage.getAlarm()).toBe(laterExpiry);
    });
    // A second, late run of the same alarm finds nothing due and changes nothing.
    await runInDurableObject(stub, async (instance) => instance.alarm());
    expect(await stub.size()).toBe(1);

    const rows = await env.DB.prepare("SELECT event, outcome, ticket_id FROM audit_events WHERE session = 'alarm-session'").all();
    expect(rows.results).toEqual([{ event: "expire", outcome: "expired", ticket_id: ticketIdOf(hash) }]);
  });

  it("keeps a redeemed ticket's hash long enough to recognise a replay, then forgets it", async () => {
    const { stub, hash } = await mintOne();
    await stub.beginRedemption(hash);
    await stub.completeRedemption(hash);
    await runInDurableObject(stub, async (_i, state) => {
      const alarm = await state.storage.getAlarm();
      expect(alarm).toBeGreaterThanOrEqual(Date.now() + REPLAY_MEMORY_MS);
      // Pretend the replay memory has passed.
      state.storage.sql.exec("UPDATE tickets SET purge_at = ?", Date.now() - 1);
    });
    await runInDurableObject(stub, async (instance) => instance.alarm());
    expect(await stub.size()).toBe(0);
    const audited = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE ticket_id = ?").bind(ticketIdOf(hash)).first<{ n: number }>();
    expect(audited?.n).toBe(0); // a redeemed ticket is not reported as expired
  });

  it("revokeAll wipes every ticket of the session and returns the live ones", async () => {
    const { stub, hash } = await mintOne();
    const other = await hashTicket(createTicket("2".repeat(64)));
    await stub.mint(other, record());
    const revoked = await stub.revokeAll();
    expect(revoked).toHaveLength(2);
    expect(await stub.beginRedemption(hash)).toEqual({ ok: false, reason: "unknown" });
    expect(await stub.size()).toBe(0);
    await runInDurableObject(stub, async (_i, state) => expect(await state.storage.getAlarm()).toBeNull());
  });

  it("refuses a malformed record at mint", async () => {
    const { stub } = freshStore();
    await runInDurableObject(stub, async (instance) => {
      await expect(instance.mint("a".repeat(64), { ...record(), fields: [] })).rejects.toThrow("invalid ticket record");
      expect(instance.size()).toBe(0);
    });
  });
});
