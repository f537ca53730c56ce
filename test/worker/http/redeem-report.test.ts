// POST /redeem/report through the route, the real TicketStore and D1: a command-form snippet
// reports how often it concealed the value, with the ticket it redeemed. Accepted once, within the
// ticket's lifetime after the redemption; every other report is refused and changes nothing.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { onError } from "../../../src/http/error-response";
import { redeemRoutes } from "../../../src/http/redeem";
import { redeemReportRoutes } from "../../../src/http/redeem-report";
import { createSecretServerClient, type SecretReader } from "../../../src/secret-server";
import { mintTicket, newTicket, ticketStoreFor } from "../../../src/tickets/mint-ticket";
import { hashTicket } from "../../../src/tickets/ticket-format";
import { PUBLIC_URL } from "../auth/sign-in-driver";
import { standIn } from "../secret-server/stand-in";
import { deliverSessionAudit } from "../tickets/audit-delivery";

const secretServer = standIn("redeem-report-route");
const PROD = { id: 11, path: "db/prod", requiresComment: false, checkOutEnabled: false };
const alice = { sub: "alice-sub", email: "alice@demo.test", groups: ["db-admins"] };
const TTL_SECONDS = 120;

let source: SecretReader;
let app: Hono<{ Bindings: Env }>;
let session: string;

beforeAll(() => secretServer.reset());

beforeEach(() => {
  source = createSecretServerClient(secretServer.password, { maxRetries: 0 });
  app = new Hono<{ Bindings: Env }>().route("/", redeemRoutes(() => source)).route("/", redeemReportRoutes);
  app.onError(onError);
  session = `session-${crypto.randomUUID()}`;
});

async function mint() {
  const { ticket } = await mintTicket(env, newTicket(env, session), { session, secret: PROD, fields: ["password"], who: alice, clientId: "client-1", ttlSeconds: TTL_SECONDS });
  return ticket;
}

function redeem(ticket: string) {
  return app.request("/redeem", { method: "POST", headers: { Authorization: `Bearer ${ticket}` } }, env);
}

function report(ticket: string, body: string = JSON.stringify({ count: 3 })) {
  return app.request("/redeem/report", { method: "POST", headers: { Authorization: `Bearer ${ticket}`, "Content-Type": "application/json" }, body }, env);
}

async function redeemed(): Promise<string> {
  const ticket = await mint();
  expect((await redeem(ticket)).status).toBe(200);
  return ticket;
}

/** The session's audit rows in order, once the store's outbox reached D1. */
async function auditRows() {
  await deliverSessionAudit(session);
  const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE session = ? ORDER BY at, id").bind(session).all();
  return results as Record<string, unknown>[];
}

async function events(): Promise<string[]> {
  return (await auditRows()).map((row) => `${row.event}:${row.outcome}`);
}

/** Moves the ticket's redemption `ms` into the past, as if that much time had gone by. */
async function redeemedAgo(ticket: string, ms: number): Promise<void> {
  const hash = await hashTicket(ticket);
  await runInDurableObject(ticketStoreFor(env, session), (_instance, state) => {
    state.storage.sql.exec("UPDATE tickets SET redeemed_at = redeemed_at - ? WHERE hash = ?", ms, hash);
  });
}

describe("POST /redeem/report", () => {
  it("accepts one report for a redeemed ticket and audits value_printed with who, which secret and the count only", async () => {
    const ticket = await redeemed();
    const res = await report(ticket, JSON.stringify({ count: 4 }));
    expect(res.status).toBe(204);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const rows = await auditRows();
    expect(rows.map((row) => `${row.event}:${row.outcome}`)).toEqual(["mint:ok", "redeem:ok", "value_printed:ok"]);
    const printed = rows[2]!;
    expect(printed).toMatchObject({
      subject: "alice-sub",
      email: "alice@demo.test",
      client_id: "client-1",
      session,
      secret_id: 11,
      secret_path: "db/prod",
      field: "password",
      ticket_id: rows[1]!.ticket_id,
    });
    expect(JSON.parse(printed.detail as string)).toEqual({ count: 4 });
  });

  it("refuses a second report of the same ticket, and keeps the first", async () => {
    const ticket = await redeemed();
    expect((await report(ticket)).status).toBe(204);
    const again = await report(ticket, JSON.stringify({ count: 99 }));
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: "TICKET_INVALID" });
    const printed = (await auditRows()).filter((row) => row.event === "value_printed");
    expect(printed.map((row) => JSON.parse(row.detail as string))).toEqual([{ count: 3 }]);
  });

  it("refuses a report for a ticket not yet redeemed, which then still redeems", async () => {
    const ticket = await mint();
    expect((await report(ticket)).status).toBe(401);
    expect((await redeem(ticket)).status).toBe(200);
    expect(await events()).toEqual(["mint:ok", "redeem:ok"]);
    expect((await report(ticket)).status).toBe(204);
  });

  it("refuses unknown and forged tickets alike, writing nothing", async () => {
    const ticket = await redeemed();
    const unknown = ticket.slice(0, -4) + (ticket.endsWith("AAAA") ? "BBBB" : "AAAA");
    const forged = `cct_${"ab".repeat(32)}_${"A".repeat(43)}`;
    const answers = [];
    for (const presented of [unknown, forged, "not-a-ticket"]) {
      const res = await report(presented);
      expect(res.status).toBe(401);
      answers.push(await res.text());
    }
    expect(new Set(answers.slice(0, 2)).size).toBe(1);
    expect(await events()).toEqual(["mint:ok", "redeem:ok"]);
  });

  it("accepts a report within the ticket's lifetime after redemption, and refuses one after it", async () => {
    const inTime = await redeemed();
    await redeemedAgo(inTime, TTL_SECONDS * 1000 - 5_000);
    expect((await report(inTime)).status).toBe(204);
    const late = await redeemed();
    await redeemedAgo(late, TTL_SECONDS * 1000 + 1_000);
    expect((await report(late)).status).toBe(401);
    expect((await auditRows()).filter((row) => row.event === "value_printed")).toHaveLength(1);
  });

  it("refuses a body that is not exactly {count: N ≥ 1}, and the ticket can still report", async () => {
    const ticket = await redeemed();
    for (const body of ["", "3", "{}", '{"count":0}', '{"count":-1}', '{"count":1.5}', '{"count":"3"}', '{"count":3,"output":"x"}']) {
      const res = await report(ticket, body);
      expect(res.status, body).toBe(400);
      expect(await res.json()).toMatchObject({ error: "BAD_REQUEST" });
    }
    expect((await report(ticket)).status).toBe(204);
  });

  it("is mounted on the Worker, behind a small body limit", async () => {
    const ticket = await redeemed();
    const url = `${PUBLIC_URL}/redeem/report`;
    const big = await exports.default.fetch(url, { method: "POST", headers: { Authorization: `Bearer ${ticket}` }, body: JSON.stringify({ count: 1, pad: "x".repeat(1024) }) });
    expect(big.status).toBe(413);
    const res = await exports.default.fetch(url, { method: "POST", headers: { Authorization: `Bearer ${ticket}` }, body: JSON.stringify({ count: 2 }) });
    expect(res.status).toBe(204);
  });
});
