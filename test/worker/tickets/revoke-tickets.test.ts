import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ClaimcheckError } from "../../../src/errors";
import { AccessPolicy } from "../../../src/policy/access-policy";
import type { SecretReader } from "../../../src/secret-server";
import { mintTicket, newTicket, ticketStoreFor } from "../../../src/tickets/mint-ticket";
import { redeemTicket } from "../../../src/tickets/redeem-ticket";
import { revokeSessionTickets } from "../../../src/tickets/revoke-tickets";
import { hashTicket, parseTicket } from "../../../src/tickets/ticket-format";
import { deliverSessionAudit } from "./audit-delivery";

const who = { sub: "alice-sub", email: "alice@demo.test", groups: ["db-admins"] };
const SECRET = { id: 7, path: "db/prod", requiresComment: false, checkOutEnabled: false };
const VALUE = "revocation-test-value-9f2c";
const policy = AccessPolicy.parse([{ groups: ["db-admins"], paths: ["db/**"] }]);

/** Answers every read with VALUE, so a test can search outputs for it. */
const source = { readField: async () => VALUE } as unknown as SecretReader;

function mint(session: string) {
  return mintTicket(env, newTicket(env, session), { session, secret: SECRET, fields: ["password"], who, clientId: "client-r", ttlSeconds: 60 });
}

async function present(ticket: string): Promise<string> {
  try {
    await redeemTicket(env, { policy, source }, ticket);
    return "released";
  } catch (err) {
    if (!(err instanceof ClaimcheckError)) throw err;
    expect(JSON.stringify(err.toJSON())).not.toContain(VALUE);
    return err.code;
  }
}

async function rowsOf(session: string, ticketId: string) {
  await deliverSessionAudit(session);
  const { results } = await env.DB.prepare("SELECT event, outcome, subject, client_id, session FROM audit_events WHERE ticket_id = ? ORDER BY at, id")
    .bind(ticketId)
    .all();
  return results;
}

describe("revoke_tickets keeps the evidence", () => {
  it("revokes every live ticket of the session and audits each by its ticket id", async () => {
    const session = `revoke-${crypto.randomUUID()}`;
    const minted = await Promise.all([1, 2].map(() => mint(session)));
    expect(await revokeSessionTickets(env, session)).toBe(2);

    const { results } = await env.DB.prepare("SELECT ticket_id FROM audit_events WHERE session = ? AND event = 'revoke'").bind(session).all();
    expect(results.map((r) => r.ticket_id).sort()).toEqual(minted.map((m) => m.ticketId).sort());
    for (const { ticket } of minted) {
      const stub = env.TICKETS.get(env.TICKETS.idFromString(parseTicket(ticket)!.routing));
      expect(await stub.lookup(await hashTicket(ticket))).toEqual({ valid: false });
    }
    expect(await revokeSessionTickets(env, session)).toBe(0);
  });

  it("a redeemed ticket replayed after a revocation is a replay, a revoked one a late use, both with their owner", async () => {
    const session = `revoke-${crypto.randomUUID()}`;
    const [redeemed, live] = [await mint(session), await mint(session)];
    expect(await present(redeemed.ticket)).toBe("released");
    expect(await revokeSessionTickets(env, session)).toBe(1); // only the live one counts
    expect(await revokeSessionTickets(env, session)).toBe(0);

    expect(await present(redeemed.ticket)).toBe("TICKET_INVALID");
    expect(await present(live.ticket)).toBe("TICKET_INVALID");
    const owner = { subject: who.sub, client_id: "client-r", session };
    expect((await rowsOf(session, redeemed.ticketId)).at(-1)).toEqual({ event: "replay", outcome: "used", ...owner });
    expect((await rowsOf(session, live.ticketId)).at(-1)).toEqual({ event: "late_use", outcome: "revoked", ...owner });

    // A ticket that was never minted (same session, so the same store) is unknown, with no owner.
    const never = newTicket(env, session);
    expect(await present(never)).toBe("TICKET_INVALID");
    const neverId = (await hashTicket(never)).slice(0, 12);
    expect(await rowsOf(session, neverId)).toEqual([{ event: "deny", outcome: "unknown", subject: null, client_id: null, session: null }]);
  });

  it("an expired ticket presented later is a late use with its owner", async () => {
    const session = `expire-${crypto.randomUUID()}`;
    const minted = await mint(session);
    const store = ticketStoreFor(env, session);
    await runInDurableObject(store, (_i, state) => void state.storage.sql.exec("UPDATE tickets SET expires_at = ?, purge_at = ?", Date.now() - 1, Date.now() - 1));
    await runInDurableObject(store, (instance) => instance.alarm());
    expect(await present(minted.ticket)).toBe("TICKET_INVALID");
    const rows = await rowsOf(session, minted.ticketId);
    expect(rows.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "expire:expired", "late_use:expired"]);
    expect(rows.at(-1)).toMatchObject({ subject: who.sub, client_id: "client-r", session });
  });

  it("after the replay memory the tombstones are gone and the store holds no row", async () => {
    const session = `purge-${crypto.randomUUID()}`;
    const [redeemed] = [await mint(session), await mint(session)];
    await present(redeemed.ticket);
    await revokeSessionTickets(env, session);
    const store = ticketStoreFor(env, session);
    expect(await store.size()).toBe(2);
    await deliverSessionAudit(session);
    await runInDurableObject(store, (_i, state) => void state.storage.sql.exec("UPDATE tickets SET purge_at = ?", Date.now() - 1));
    await runInDurableObject(store, (instance) => instance.alarm());
    expect(await store.size()).toBe(0);
  });
});
