// POST /deposit: a deposit ticket carries one value into one field, once. The route, the real
// TicketStore and D1; Secret Server is a stub that records what it was asked to write, so every
// test can compare the stored bytes and search every answer and audit row for the value.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { onError } from "../../../src/http/error-response";
import { depositRoutes } from "../../../src/http/deposit";
import { redeemRoutes } from "../../../src/http/redeem";
import type { SecretServerClient } from "../../../src/secret-server";
import { mintTicket, newTicket, ticketStoreFor } from "../../../src/tickets/mint-ticket";
import { deliverSessionAudit } from "../tickets/audit-delivery";

// dev@corp.example may write Payments/agents/** (vitest.config.ts), and read db/**.
const dev = { sub: "corp|user:42", email: "dev@corp.example", emailVerified: true, groups: [] };
const TARGET = { id: 31, path: "Payments/agents/ci-bot", requiresComment: false, checkOutEnabled: false };
const TRICKY = `it's "quoted" $HOME \`id\` 100% !x ünï 🔑\n second line\t`;

let writes: { id: number; slug: string; value: string }[];
let failNext: boolean;
const source = {
  async setField(id: number, slug: string, value: string) {
    if (failNext) {
      failNext = false;
      const { ClaimcheckError } = await import("../../../src/errors");
      throw new ClaimcheckError("UPSTREAM_UNAVAILABLE", { detail: "stub outage" });
    }
    writes.push({ id, slug, value });
  },
  async readField() {
    return "must-never-be-released";
  },
} as unknown as SecretServerClient;

const app = new Hono<{ Bindings: Env }>().route("/", depositRoutes(() => source)).route("/", redeemRoutes(() => source));
app.onError(onError);

let session: string;
beforeEach(() => {
  writes = [];
  failNext = false;
  session = `deposit-${crypto.randomUUID()}`;
});

function mintDeposit(trimTrailingNewline: boolean, secret = TARGET, who = dev) {
  return mintTicket(env, newTicket(env, session), { session, secret, fields: ["password"], who, clientId: "client-d", ttlSeconds: 60, deposit: { trimTrailingNewline } });
}

function body(ticket: string, value: string | Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${ticket}\n`);
  const tail = typeof value === "string" ? new TextEncoder().encode(value) : value;
  const all = new Uint8Array(head.length + tail.length);
  all.set(head);
  all.set(tail, head.length);
  return all;
}

function deposit(ticket: string, value: string | Uint8Array, headers: Record<string, string> = {}) {
  return app.request("/deposit", { method: "POST", headers: { "Content-Type": "application/octet-stream", ...headers }, body: body(ticket, value) }, env);
}

async function auditRows() {
  await deliverSessionAudit(session);
  const { results } = await env.DB.prepare("SELECT event, outcome, detail FROM audit_events WHERE session = ? ORDER BY at, id").bind(session).all();
  return results;
}

describe("POST /deposit", () => {
  it("stores the value byte for byte, once, and answers what was stored, never the value", async () => {
    const { ticket } = await mintDeposit(false);
    const res = await deposit(ticket, TRICKY);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).toBe(`claimcheck: stored ${TARGET.path} password\n`);
    expect(writes).toEqual([{ id: TARGET.id, slug: "password", value: TRICKY }]);

    const again = await deposit(ticket, "overwrite attempt");
    expect(again.status).toBe(401);
    expect(writes).toHaveLength(1);
    const rows = await auditRows();
    expect(rows.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "deposit:ok", "replay:used"]);
    expect(JSON.stringify(rows)).not.toContain("quoted");
  });

  it("drops one trailing line break for stdin and file sources, and none for env", async () => {
    for (const [trim, sent, stored] of [
      [true, "abc\n", "abc"],
      [true, "abc\r\n", "abc"],
      [true, "abc\n\n", "abc\n"],
      [false, "abc\n", "abc\n"],
    ] as const) {
      const { ticket } = await mintDeposit(trim);
      expect((await deposit(ticket, sent)).status).toBe(200);
      expect(writes.at(-1)!.value).toBe(stored);
    }
  });

  it("refuses empty, NUL, non-UTF-8 and oversized values, stores nothing, and keeps the ticket for a retry", async () => {
    const { ticket } = await mintDeposit(true);
    const cases: [string | Uint8Array, number, string][] = [
      ["", 422, "DEPOSIT_REFUSED"],
      ["\n", 422, "DEPOSIT_REFUSED"],
      ["a\0b", 422, "DEPOSIT_REFUSED"],
      [new Uint8Array([0x61, 0xff, 0x62]), 422, "DEPOSIT_REFUSED"],
      ["x".repeat(64 * 1024 + 1), 413, "PAYLOAD_TOO_LARGE"],
    ];
    for (const [value, status, code] of cases) {
      const res = await deposit(ticket, value);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toBe(code);
    }
    expect(writes).toEqual([]);
    expect((await deposit(ticket, "x".repeat(64 * 1024))).status).toBe(200); // exactly DEPOSIT_MAX_BYTES
  });

  it("keeps the ticket when Secret Server fails the write", async () => {
    const { ticket } = await mintDeposit(false);
    failNext = true;
    expect((await deposit(ticket, "v1")).status).toBe(502);
    expect((await deposit(ticket, "v1")).status).toBe(200);
    expect(writes).toEqual([{ id: TARGET.id, slug: "password", value: "v1" }]);
  });

  it("never takes a claim ticket, and a deposit ticket never releases a value", async () => {
    const claim = await mintTicket(env, newTicket(env, session), { session, secret: { ...TARGET, path: "db/prod" }, fields: ["password"], who: dev, clientId: "client-d", ttlSeconds: 60 });
    expect((await deposit(claim.ticket, "value")).status).toBe(401);
    expect(writes).toEqual([]);

    const dep = await mintDeposit(false);
    const redeemed = await app.request("/redeem", { method: "POST", headers: { Authorization: `Bearer ${dep.ticket}` } }, env);
    expect(redeemed.status).toBe(401);
    expect(await redeemed.text()).not.toContain("must-never-be-released");
    // Both are still usable for what they are.
    expect((await deposit(dep.ticket, "ok")).status).toBe(200);
    expect((await auditRows()).filter((r) => r.outcome === "wrong_kind")).toHaveLength(2);
  });

  it("checks the write rule again at deposit: read permission is not enough", async () => {
    const { ticket } = await mintDeposit(false, { ...TARGET, path: "db/prod" }); // dev may read db/**, not write it
    expect((await deposit(ticket, "value")).status).toBe(403);
    expect(writes).toEqual([]);
  });

  it("an email rule allows the use only when the IdP verified the owner's email", async () => {
    const { ticket } = await mintDeposit(false, TARGET, { ...dev, emailVerified: false });
    expect((await deposit(ticket, "value")).status).toBe(403);
    expect(writes).toEqual([]);
  });

  it("a probe tells a waiting ticket from a ready one and consumes nothing", async () => {
    const { ticket } = await mintDeposit(false);
    const probe = await deposit(ticket, "", { "Claimcheck-Deposit": "probe" });
    expect(probe.status).toBe(204);
    expect(writes).toEqual([]);
    expect((await deposit(ticket, "after probe")).status).toBe(200);
    expect((await deposit(ticket, "", { "Claimcheck-Deposit": "probe" })).status).toBe(401);
  });

  it("refuses a body without a ticket line as an invalid ticket", async () => {
    const res = await app.request("/deposit", { method: "POST", body: "no line break at all" }, env);
    expect(res.status).toBe(401);
    expect(await runInDurableObject(ticketStoreFor(env, session), (i) => i.size())).toBe(0);
  });
});
