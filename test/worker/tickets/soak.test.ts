// Soak: 5,000 tickets over 10 sessions, each expiring two seconds after its own mint while the
// rest are still being minted, so alarms fire, re-arm and race the mints as in service. After
// expiry and the alarms nothing live remains, only tombstones (redeemed and expired tickets, kept
// to recognise a late use), and every mint, redemption and expiry is in D1 once; once their memory has passed, every session's storage
// is empty and its alarm cleared. Bounded: a fixed count, a short lifetime (about 25 s on a busy
// 2-core machine).
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { describeTicket } from "../../../src/audit/audit-log";
import { createTicket, hashTicket, ticketIdOf } from "../../../src/tickets/ticket-format";
import type { TicketRecord } from "../../../src/tickets/ticket-record";
import { deliverAudit } from "./audit-delivery";

const SESSIONS = 10;
const TICKETS_PER_SESSION = 500;
const REDEEM_EVERY = 10; // one ticket in ten is redeemed, the rest expire unused
const LIFETIME_MS = 2_000; // from each ticket's own mint

it("leaves no expired ticket behind and every session's storage returns to zero", { timeout: 120_000 }, async () => {
  const soakId = crypto.randomUUID();
  const stores = Array.from({ length: SESSIONS }, (_, i) => {
    const id = env.TICKETS.idFromName(`soak-${soakId}-${i}`);
    return { id, stub: env.TICKETS.get(id), session: `soak-${soakId}-${i}` };
  });

  await Promise.all(
    stores.map(async ({ id, stub, session }) => {
      for (let n = 0; n < TICKETS_PER_SESSION; n++) {
        const hash = await hashTicket(createTicket(id.toString()));
        const record: TicketRecord = {
          kind: "claim", trimTrailingNewline: false, emailVerified: false, secretId: 11, secretPath: "db/prod", requiresComment: false, checkOutEnabled: false, fields: ["password"],
          subject: "soak", groups: [], clientId: "soak", session, createdAt: Date.now(), expiresAt: Date.now() + LIFETIME_MS,
        };
        const about = describeTicket(record, ticketIdOf(hash));
        await stub.mint(hash, record, { event: "mint", outcome: "ok", ...about });
        if (n % REDEEM_EVERY === 0) {
          const begun = await stub.beginRedemption(hash);
          expect(begun.ok, JSON.stringify(begun)).toBe(true);
          expect(await stub.completeRedemption(hash, { event: "redeem", outcome: "ok", ...about })).toBe(true);
        }
      }
    }),
  );
  await new Promise((r) => setTimeout(r, LIFETIME_MS + 50)); // the last ticket minted has expired
  for (const { stub } of stores) await runDurableObjectAlarm(stub);
  const redeemed = SESSIONS * (TICKETS_PER_SESSION / REDEEM_EVERY);
  const afterExpiry = await Promise.all(stores.map(({ stub }) => stub.size()));
  expect(afterExpiry.reduce((a, b) => a + b, 0)).toBe(SESSIONS * TICKETS_PER_SESSION);
  // None of them is live any more: each store's rows are all ended.
  for (const { stub } of stores) {
    const live = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tickets WHERE redeemed_at IS NULL AND ended IS NULL").one().n,
    );
    expect(live).toBe(0);
  }

  // Every mint and redemption reached D1 through the outbox, once.
  for (const { stub } of stores) await deliverAudit(stub);
  const { results } = await env.DB.prepare("SELECT event, count(*) AS n FROM audit_events WHERE session LIKE ? GROUP BY event ORDER BY event")
    .bind(`soak-${soakId}-%`)
    .all();
  expect(results).toEqual([
    { event: "expire", n: SESSIONS * TICKETS_PER_SESSION - redeemed },
    { event: "mint", n: SESSIONS * TICKETS_PER_SESSION },
    { event: "redeem", n: redeemed },
  ]);

  // The replay memory passes (rewound rather than waited for): the alarm forgets the tombstones.
  for (const { stub } of stores) {
    await runInDurableObject(stub, (_i, state) => void state.storage.sql.exec("UPDATE tickets SET purge_at = ?", Date.now() - 1));
    await runInDurableObject(stub, (instance) => instance.alarm());
    expect(await stub.size()).toBe(0);
    await runInDurableObject(stub, async (_i, state) => expect(await state.storage.getAlarm()).toBeNull());
  }
});
