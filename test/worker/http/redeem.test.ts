import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { onError } from "../../../src/http/error-response";
import { redeemRoutes } from "../../../src/http/redeem";
import { createSecretServerClient, type SecretReader } from "../../../src/secret-server";
import { mintTicket, newTicket } from "../../../src/tickets/mint-ticket";
import { hashTicket, ticketIdOf } from "../../../src/tickets/ticket-format";
import { standIn } from "../secret-server/stand-in";
import { deliverSessionAudit } from "../tickets/audit-delivery";

// Redemption through the route, the real TicketStore and D1, and the Secret Server stand-in
// (its own tenant, so the faults injected here reach no other test file).
const secretServer = standIn("redeem-route");
const PROD = { id: 11, path: "db/prod", requiresComment: false, checkOutEnabled: false };
const SEEDED = { password: "Pr0d-db-S3cret!", username: "app_prod" };
const alice = { sub: "alice-sub", email: "alice@demo.test", groups: ["db-admins"] };

let source: SecretReader;
let app: Hono<{ Bindings: Env }>;
let session: string;

beforeAll(() => secretServer.reset());

beforeEach(() => {
  source = createSecretServerClient(secretServer.password, { maxRetries: 0 });
  app = new Hono<{ Bindings: Env }>().route("/", redeemRoutes(() => source));
  app.onError(onError);
  session = `session-${crypto.randomUUID()}`;
});

function mint(fields = ["password"], ttlSeconds = 120) {
  return mintTicket(env, newTicket(env, session), { session, secret: PROD, fields, who: alice, clientId: "client-1", ttlSeconds });
}

function redeem(ticket: string, headers: Record<string, string> = {}) {
  return app.request("/redeem", { method: "POST", headers: { Authorization: `Bearer ${ticket}`, ...headers } }, env);
}

/** The session's audit rows in the order they happened, once its queued mint and redeem rows are in D1. */
async function auditRows() {
  await deliverSessionAudit(session);
  const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE session = ? ORDER BY at, id").bind(session).all();
  return results as Record<string, unknown>[];
}

describe("POST /redeem", () => {
  it("releases the value once, as text/plain, never cached", async () => {
    const { ticket } = await mint();
    const res = await redeem(ticket);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).toBe(SEEDED.password);
  });

  it("releases the value without writing to D1: the redeem row waits in the store's outbox", async () => {
    const { ticket } = await mint();
    const noD1 = { ...env, DB: { prepare: () => { throw new Error("D1 touched on the redemption path"); } } as unknown as D1Database };
    const res = await app.request("/redeem", { method: "POST", headers: { Authorization: `Bearer ${ticket}` } }, noD1);
    expect(await res.text()).toBe(SEEDED.password);
    expect((await auditRows()).map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "redeem:ok"]);
  });

  it("answers every field as JSON when asked", async () => {
    const { ticket } = await mint(["username", "password"]);
    const res = await redeem(ticket, { Accept: "application/json" });
    expect(await res.json()).toEqual({ secret_id: 11, fields: SEEDED });
  });

  it("gives unknown, forged and used tickets the same 401, and audits which it was", async () => {
    const used = (await mint()).ticket;
    await redeem(used);
    const unknown = used.slice(0, -4) + "AAAA";
    const forged = `cct_${"ab".repeat(32)}_${"A".repeat(43)}`;

    const bodies = [];
    for (const t of [used, unknown, forged]) {
      const res = await redeem(t);
      expect(res.status).toBe(401);
      bodies.push(await res.text());
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).not.toContain(used);

    const events = (await auditRows()).map((r) => `${r.event}:${r.outcome}`);
    expect(events).toContain("replay:used");
    const unknownId = ticketIdOf(await hashTicket(unknown));
    const row = await env.DB.prepare("SELECT event, outcome FROM audit_events WHERE ticket_id = ?").bind(unknownId).first();
    expect(row).toEqual({ event: "deny", outcome: "unknown" });
  });

  it("records a second use of a redeemed ticket as a replay naming the original requester", async () => {
    const { ticket, ticketId } = await mint();
    expect((await redeem(ticket)).status).toBe(200);
    expect((await redeem(ticket)).status).toBe(401);
    const replay = (await auditRows()).find((r) => r.event === "replay");
    expect(replay).toMatchObject({ subject: "alice-sub", email: "alice@demo.test", ticket_id: ticketId, secret_id: 11 });
  });

  it("lets exactly one of 100 concurrent redemptions succeed", async () => {
    const { ticket } = await mint();
    // Each from its own address, so the rate limits stay out of this test's way.
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => redeem(ticket, { "CF-Connecting-IP": `10.0.1.${i}` })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 401 || s === 409)).toBe(true);
    expect((await auditRows()).filter((r) => r.event === "redeem")).toHaveLength(1);
  });

  it("does not burn the ticket when Secret Server fails transiently", async () => {
    const { ticket } = await mint();
    await secretServer.faults({ faults: [{ kind: "status", status: 503, path: "/api/v1/secrets" }] });
    const failed = await redeem(ticket);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: "UPSTREAM_UNAVAILABLE", message: expect.any(String) });
    const retried = await redeem(ticket);
    expect(retried.status).toBe(200);
    expect(await retried.text()).toBe(SEEDED.password);
    expect((await redeem(ticket)).status).toBe(401);
    const events = (await auditRows()).map((r) => `${r.event}:${r.outcome}`);
    expect(events).toEqual(["mint:ok", "upstream_error:UPSTREAM_UNAVAILABLE", "redeem:ok", "replay:used"]);
  });

  it("passes Retry-After through when Secret Server is rate limiting", async () => {
    const { ticket } = await mint();
    await secretServer.faults({ faults: [{ kind: "status", status: 429, retryAfter: 3, path: "/api/v1/secrets" }] });
    const res = await redeem(ticket);
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("3");
  });

  it("checks the policy again at redemption", async () => {
    const { ticket } = await mint();
    const readsBefore = (await secretServer.stats()).secretReads;
    const strict = new Hono<{ Bindings: Env }>().route("/", redeemRoutes(() => source));
    strict.onError(onError);
    const res = await strict.request("/redeem", { method: "POST", headers: { Authorization: `Bearer ${ticket}` } }, { ...env, ACCESS_POLICY: "[]" });
    expect(res.status).toBe(403);
    expect((await secretServer.stats()).secretReads).toBe(readsBefore);
    expect((await auditRows()).map((r) => `${r.event}:${r.outcome}`)).toContain("deny:FORBIDDEN");
  });

  it("names the human and the ticket id in Secret Server's own audit", async () => {
    const { ticket, ticketId } = await mint();
    await redeem(ticket);
    const notes = (await secretServer.audits(11)).map((a) => a.notes ?? "");
    const ours = notes.find((n) => n.includes(ticketId));
    expect(ours).toContain("alice@demo.test");
    expect(notes.join("\n")).not.toContain(ticket);
  });

  it("costs Secret Server one request per redemption once the token is cached", async () => {
    await redeem((await mint()).ticket);
    const before = await secretServer.stats();
    for (let i = 0; i < 5; i++) expect((await redeem((await mint()).ticket)).status).toBe(200);
    const after = await secretServer.stats();
    expect(after.tokenRequests - before.tokenRequests).toBe(0);
    expect(after.requests - before.requests).toBe(5);
  });

  it("refuses a missing or malformed Authorization header", async () => {
    const cases: Record<string, string>[] = [{}, { Authorization: "Basic abc" }, { Authorization: `Bearer ${"a".repeat(20_000)}` }];
    for (const headers of cases) {
      const res = await app.request("/redeem", { method: "POST", headers }, env);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "UNAUTHORIZED" });
    }
  });

  it("keeps every seeded value and ticket out of the audit rows, the logs and the error bodies", async () => {
    const logged: unknown[][] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args)),
    );
    try {
      const { ticket } = await mint(["username", "password"]);
      const bodies = [await (await redeem(ticket, { Accept: "application/json" })).text()];
      bodies.push(await (await redeem(ticket)).text()); // replay
      const failing = (await mint()).ticket;
      await secretServer.faults({ faults: [{ kind: "status", status: 500, path: "/api/v1/secrets" }] });
      bodies.push(await (await redeem(failing)).text()); // upstream error
      bodies.push(await (await app.request("/redeem", { method: "POST", headers: { Authorization: "Bearer nope" } }, env)).text());

      const everything = JSON.stringify({ audit: await auditRows(), logged, errors: bodies.slice(1) });
      for (const value of await secretServer.secretsInSeed()) {
        if (value.length >= 6) expect(everything).not.toContain(value);
      }
      for (const t of [ticket, failing]) {
        expect(everything).not.toContain(t);
        expect(everything).not.toContain(t.slice(-43)); // the key alone (base64url, may hold "_")
      }
      expect(bodies[0]).toContain(SEEDED.password); // the one place a value may appear
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe("rate limits", () => {
  it("refuses a client hammering one session's tickets with 429 and Retry-After, before any work", async () => {
    const { ticket } = await mint();
    const guess = ticket.slice(0, -4) + "AAAA";
    const from = { "CF-Connecting-IP": "192.0.2.7" };
    // At once, so a slow machine cannot spread them over two of the limiter's 10 s windows: at
    // most 60 per window get through, even if the burst straddles a window's end.
    const answers = await Promise.all(Array.from({ length: 150 }, () => redeem(guess, from)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(120);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.headers.get("Retry-After")).toBe("10");
    expect(await limited.json()).toMatchObject({ error: "RATE_LIMITED" });

    // The real ticket was not touched, and another address is not held back.
    const elsewhere = await redeem(ticket, { "CF-Connecting-IP": "192.0.2.8" });
    expect(await elsewhere.text()).toBe(SEEDED.password);
  });
});

describe("POST /lookup", () => {
  it("tells validity and expiry without consuming the ticket", async () => {
    const { ticket, expiresAt } = await mint();
    for (let i = 0; i < 2; i++) {
      const res = await app.request("/lookup", { method: "POST", headers: { Authorization: `Bearer ${ticket}` } }, env);
      expect(await res.json()).toEqual({ valid: true, created_at: expect.any(String), expires_at: new Date(expiresAt).toISOString() });
    }
    expect((await redeem(ticket)).status).toBe(200);
    const after = await app.request("/lookup", { method: "POST", headers: { Authorization: `Bearer ${ticket}` } }, env);
    expect(after.status).toBe(401);
  });
});
