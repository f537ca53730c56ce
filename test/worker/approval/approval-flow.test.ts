// A ticket that waits for a person: the page behind SSO, who may decide, CSRF, one decision per
// request, expiry by alarm and by read, and what redemption answers meanwhile. Real TicketStore,
// D1, sign-in through the test IdP; the Secret Server read is a stub answering VALUE.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { approvalUrl, newApprovalId } from "../../../src/approval/approval-link";
import type { PersonApproval } from "../../../src/approval/approval-state";
import { ClaimcheckError } from "../../../src/errors";
import { AccessPolicy } from "../../../src/policy/access-policy";
import type { SecretReader } from "../../../src/secret-server";
import { mintTicket, newTicket, ticketStoreFor } from "../../../src/tickets/mint-ticket";
import { redeemTicket } from "../../../src/tickets/redeem-ticket";
import { revokeSessionTickets } from "../../../src/tickets/revoke-tickets";
import { parseTicket } from "../../../src/tickets/ticket-format";
import { Browser, PUBLIC_URL, visitIdp } from "../auth/sign-in-driver";
import { deliverSessionAudit } from "../tickets/audit-delivery";

const VALUE = "approval-flow-value-Zq81";
// The test IdP gives every user the groups payments and eng.
const REQUESTER = { sub: "requester-1", email: "requester@corp.example", groups: ["payments", "eng"] };
const APPROVER = { sub: "approver-1", email: "approver@corp.example" };
const OTHER = { sub: "other-1", email: "other@corp.example" };
const SECRET = { id: 15, path: "Ops/break-glass", requiresComment: false, checkOutEnabled: false };
const policy = AccessPolicy.parse([
  { subjects: ["requester-1"], paths: ["Ops/**"], approval: { groups: ["payments"] } },
  { subjects: ["requester-1"], paths: ["Certs/**"], approval: "self" },
]);
const source = { readField: async () => VALUE } as unknown as SecretReader;

async function pending(person: PersonApproval, path = person.kind === "self" ? "Certs/tls" : SECRET.path) {
  const session = `approval-${crypto.randomUUID()}`;
  const ticket = newTicket(env, session);
  const approvalId = newApprovalId();
  const minted = await mintTicket(env, ticket, {
    session,
    secret: { ...SECRET, path },
    fields: ["password"],
    who: REQUESTER,
    clientId: "client-approval",
    comment: "rotate the <b>cert</b>",
    ttlSeconds: 60,
    approval: { id: approvalId, person, timeoutSeconds: 60 },
  });
  const url = approvalUrl(PUBLIC_URL, { routing: parseTicket(ticket)!.routing, approvalId });
  return { session, ticket, url, ticketId: minted.ticketId };
}

async function present(ticket: string): Promise<string> {
  try {
    return (await redeemTicket(env, { policy, source }, ticket)).values.password!;
  } catch (err) {
    if (err instanceof ClaimcheckError) return err.code;
    throw err;
  }
}

/** A browser signed in as `who` that has opened the page; returns the page. */
async function openAs(who: { sub: string; email: string }, url: string) {
  const browser = new Browser();
  const start = await browser.worker(url);
  expect(start.status).toBe(302);
  const back = await browser.worker(await visitIdp(start.headers.get("Location")!, who));
  expect(back.status).toBe(302);
  expect(back.headers.get("Location")).toBe(url);
  const page = await browser.worker(url);
  return { browser, page, html: await page.text() };
}

function csrfOf(html: string): string | undefined {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1];
}

function decide(browser: Browser, url: string, form: Record<string, string>, headers: Record<string, string> = { Origin: PUBLIC_URL }) {
  return browser.worker(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
}

async function auditOf(session: string, ticketId: string) {
  await deliverSessionAudit(session);
  const { results } = await env.DB.prepare("SELECT event, outcome, detail FROM audit_events WHERE ticket_id = ? ORDER BY at, id").bind(ticketId).all();
  return results;
}

describe("self approval", () => {
  it("waits, then the requester confirms on the page and the ticket redeems once", async () => {
    const t = await pending({ kind: "self" });
    expect(await present(t.ticket)).toBe("APPROVAL_PENDING");
    expect(await present(t.ticket)).toBe("APPROVAL_PENDING"); // a poll consumes nothing

    const { browser, page, html } = await openAs(REQUESTER, t.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    for (const shown of [REQUESTER.email, REQUESTER.sub, "Certs/tls", "password", t.ticketId, "rotate the &#60;b&#62;cert&#60;/b&#62;", "Unverified"]) {
      expect(html).toContain(shown);
    }
    expect(html).not.toContain(t.ticket);
    expect(html).not.toContain(VALUE);

    const answer = await decide(browser, t.url, { csrf: csrfOf(html)!, decision: "approve" });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("Approved");
    expect(await present(t.ticket)).toBe(VALUE);
    expect(await present(t.ticket)).toBe("TICKET_INVALID"); // still single use

    const rows = await auditOf(t.session, t.ticketId);
    expect(rows.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "approval_requested:pending", "approved:ok", "redeem:ok", "replay:used"]);
    expect(JSON.parse(rows[2]!.detail as string)).toEqual({ approver_sub: REQUESTER.sub, approver_email: REQUESTER.email });
    expect(JSON.stringify(rows)).not.toContain(VALUE);
  });

  it("anyone else sees a refusal and cannot approve", async () => {
    const t = await pending({ kind: "self" });
    const { browser, page, html } = await openAs(OTHER, t.url);
    expect(page.status).toBe(403);
    expect(html).not.toContain("Certs/tls");
    expect(csrfOf(html)).toBeUndefined();
    // Even with a valid token of their own session (from another page of theirs), nothing changes.
    const own = await openAs(OTHER, (await pending({ kind: "self" })).url);
    const res = await decide(own.browser, t.url, { csrf: csrfOf(own.html) ?? "x", decision: "approve" });
    expect(res.status).toBe(403);
    expect(await present(t.ticket)).toBe("APPROVAL_PENDING");
    void browser;
  });
});

describe("approver approval", () => {
  it("the requester sees the request but cannot approve it, even as a member of the approver group", async () => {
    const t = await pending({ kind: "approvers", approvers: { groups: ["payments"] } });
    const { browser, page, html } = await openAs(REQUESTER, t.url);
    expect(page.status).toBe(200);
    expect(html).toContain(REQUESTER.email);
    expect(html).not.toContain('value="approve"'); // no decision forms
    // A valid token of the same session, from a page where the requester may decide (self).
    const own = await (await browser.worker((await pending({ kind: "self" })).url)).text();
    const res = await decide(browser, t.url, { csrf: csrfOf(own)!, decision: "approve" });
    expect(await res.text()).toContain("You cannot decide this request");
    expect(await present(t.ticket)).toBe("APPROVAL_PENDING");
  });

  it("a named approver denies: the ticket fails closed and the audit names the approver", async () => {
    const t = await pending({ kind: "approvers", approvers: { groups: ["payments"] } });
    const { browser, html } = await openAs(APPROVER, t.url);
    expect(html).toContain('value="approve"');
    await decide(browser, t.url, { csrf: csrfOf(html)!, decision: "deny" });
    expect(await present(t.ticket)).toBe("APPROVAL_DENIED");
    const rows = await auditOf(t.session, t.ticketId);
    expect(rows.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "approval_requested:pending", "denied:denied", "deny:approval_denied"]);
    expect(JSON.parse(rows[2]!.detail as string)).toMatchObject({ approver_sub: APPROVER.sub, approver_email: APPROVER.email });
  });

  it("two approvers racing: exactly one decision wins, the other is told", async () => {
    const t = await pending({ kind: "approvers", approvers: { groups: ["payments"] } });
    const [a, b] = [await openAs(APPROVER, t.url), await openAs(OTHER, t.url)];
    const answers = await Promise.all([
      decide(a.browser, t.url, { csrf: csrfOf(a.html)!, decision: "approve" }).then((r) => r.text()),
      decide(b.browser, t.url, { csrf: csrfOf(b.html)!, decision: "deny" }).then((r) => r.text()),
    ]);
    expect(answers.filter((text) => text.includes("already decided"))).toHaveLength(1);
    const rows = await auditOf(t.session, t.ticketId);
    expect(rows.filter((r) => r.event === "approved" || r.event === "denied")).toHaveLength(1);
  });

  it("one decision per request in the store, under 20 concurrent deciders", async () => {
    const t = await pending({ kind: "approvers", approvers: { groups: ["payments"] } });
    const store = ticketStoreFor(env, t.session);
    const approvalId = t.url.split("/").at(-1)!;
    const audit = { event: "approved" as const, outcome: "ok", session: t.session, ticketId: t.ticketId };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.decide(approvalId, i % 2 ? "approved" : "denied", { sub: `a${i}` }, audit)));
    expect(results.filter((r) => r.outcome === "decided")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "already_decided")).toHaveLength(19);
  });
});

describe("forms and sessions", () => {
  it("refuses a wrong or missing CSRF token and a foreign Origin; nothing changes", async () => {
    const t = await pending({ kind: "approvers", approvers: { groups: ["payments"] } });
    const { browser, html } = await openAs(APPROVER, t.url);
    const csrf = csrfOf(html)!;
    expect((await decide(browser, t.url, { csrf: `${csrf}x`, decision: "approve" })).status).toBe(403);
    expect((await decide(browser, t.url, { decision: "approve" })).status).toBe(403);
    expect((await decide(browser, t.url, { csrf, decision: "approve" }, { Origin: "https://evil.example" })).status).toBe(403);
    expect(await present(t.ticket)).toBe("APPROVAL_PENDING");
  });

  it("a post without a session is sent to sign in and decides nothing", async () => {
    const t = await pending({ kind: "self" });
    const res = await decide(new Browser(), t.url, { csrf: "x", decision: "approve" });
    expect(res.status).toBe(302);
    expect(await present(t.ticket)).toBe("APPROVAL_PENDING");
  });

  it("a malformed or unknown link is refused without a sign-in loop", async () => {
    const browser = new Browser();
    expect((await browser.worker(`${PUBLIC_URL}/approvals/zz/yy`)).status).toBe(404);
    const t = await pending({ kind: "self" });
    const unknown = t.url.replace(/[^/]+$/, "A".repeat(22));
    const { page } = await openAs(REQUESTER, unknown);
    expect(page.status).toBe(403);
  });
});

describe("expiry and withdrawal", () => {
  it("expires by read when the deadline passed before the alarm ran", async () => {
    const t = await pending({ kind: "self" });
    await runInDurableObject(ticketStoreFor(env, t.session), (_i, state) => void state.storage.sql.exec("UPDATE tickets SET expires_at = ?", Date.now() - 1));
    expect(await present(t.ticket)).toBe("APPROVAL_EXPIRED");
    const { html } = await openAs(REQUESTER, t.url);
    expect(html).toContain("expired");
    expect(html).not.toContain('value="approve"');
  });

  it("expires by alarm, audited as approval_expired", async () => {
    const t = await pending({ kind: "self" });
    const store = ticketStoreFor(env, t.session);
    await runInDurableObject(store, (_i, state) => void state.storage.sql.exec("UPDATE tickets SET expires_at = ?, purge_at = ?", Date.now() - 1, Date.now() - 1));
    await runInDurableObject(store, (instance) => instance.alarm());
    expect((await auditOf(t.session, t.ticketId)).map((r) => r.event)).toEqual(["mint", "approval_requested", "approval_expired"]);
    expect(await present(t.ticket)).toBe("APPROVAL_EXPIRED");
  });

  it("an approved ticket lives TICKET_TTL from the approval", async () => {
    const t = await pending({ kind: "self" });
    const store = ticketStoreFor(env, t.session);
    const approvalId = t.url.split("/").at(-1)!;
    const before = Date.now();
    const result = await store.decide(approvalId, "approved", { sub: REQUESTER.sub }, { event: "approved", outcome: "ok", session: t.session, ticketId: t.ticketId });
    expect(result.outcome).toBe("decided");
    if (result.outcome !== "decided") return;
    expect(result.view.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(result.view.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("revoke_tickets withdraws a waiting request", async () => {
    const t = await pending({ kind: "self" });
    expect(await revokeSessionTickets(env, t.session)).toBe(1);
    expect(await present(t.ticket)).toBe("TICKET_INVALID");
    const { html } = await openAs(REQUESTER, t.url);
    expect(html).toContain("withdrawn");
    const rows = await auditOf(t.session, t.ticketId);
    expect(rows.find((r) => r.event === "revoke")?.detail).toContain("withdrawn");
  });
});
