import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { mintTicket, newTicket } from "../../../src/tickets/mint-ticket";
import { revokeSessionTickets } from "../../../src/tickets/revoke-tickets";
import { hashTicket, parseTicket } from "../../../src/tickets/ticket-format";

it("revokes every live ticket of the session and audits each by its ticket id", async () => {
  const session = `revoke-${crypto.randomUUID()}`;
  const who = { sub: "alice-sub", email: "alice@demo.test", groups: ["db-admins"] };
  const minted = await Promise.all(
    [1, 2].map(() => mintTicket(env, newTicket(env, session), { session, secret: { id: 7, path: "db/prod", requiresComment: false, checkOutEnabled: false }, fields: ["password"], who, clientId: "c", ttlSeconds: 60 })),
  );
  expect(await revokeSessionTickets(env, session)).toBe(2);

  const { results } = await env.DB.prepare("SELECT ticket_id FROM audit_events WHERE session = ? AND event = 'revoke'").bind(session).all();
  expect(results.map((r) => r.ticket_id).sort()).toEqual(minted.map((m) => m.ticketId).sort());
  for (const { ticket } of minted) {
    const stub = env.TICKETS.get(env.TICKETS.idFromString(parseTicket(ticket)!.routing));
    expect(await stub.lookup(await hashTicket(ticket))).toEqual({ valid: false });
  }
  expect(await revokeSessionTickets(env, session)).toBe(0);
});
