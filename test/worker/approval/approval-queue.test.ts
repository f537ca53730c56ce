// GET /approvals: the open requests the signed-in person may decide, newest first, each linking to
// its approval page; nothing they may not decide, nothing already decided. Real TicketStores, D1
// rows through the stores' outboxes, sign-in through the test IdP.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { approvalUrl, newApprovalId } from "../../../src/approval/approval-link";
import type { PersonApproval } from "../../../src/approval/approval-state";
import { mintTicket, newTicket, ticketStoreFor } from "../../../src/tickets/mint-ticket";
import { parseTicket } from "../../../src/tickets/ticket-format";
import { Browser, PUBLIC_URL } from "../auth/sign-in-driver";
import { signedInBrowser } from "../audit/audit-browser";
import { deliverSessionAudit } from "../tickets/audit-delivery";

const SECRET = { id: 15, path: "Ops/break-glass", requiresComment: false, checkOutEnabled: false };

/** People of one test only: other files file requests for their own approvers. */
function people() {
  const tag = crypto.randomUUID().slice(0, 8);
  return {
    requester: { sub: `req-${tag}`, email: `req-${tag}@corp.example`, groups: ["eng"] },
    approver: { sub: `appr-${tag}`, email: `appr-${tag}@corp.example` },
    other: { sub: `other-${tag}`, email: `other-${tag}@corp.example` },
  };
}

async function request(who: { sub: string; email: string; groups: string[] }, person: PersonApproval, path: string, comment?: string) {
  const session = `queue-${crypto.randomUUID()}`;
  const ticket = newTicket(env, session);
  const approvalId = newApprovalId();
  const minted = await mintTicket(env, ticket, {
    session,
    secret: { ...SECRET, path },
    fields: ["password"],
    who,
    clientId: "client-queue",
    comment,
    ttlSeconds: 60,
    approval: { id: approvalId, person, timeoutSeconds: 60 },
  });
  await deliverSessionAudit(session); // the approval_requested row reaches D1 through the outbox
  return { session, approvalId, ticketId: minted.ticketId, url: approvalUrl(PUBLIC_URL, { routing: parseTicket(ticket)!.routing, approvalId }) };
}

async function listAs(who: { sub: string; email: string }) {
  const browser = await signedInBrowser({ sub: who.sub, email: who.email, groups: "" }, "/approvals");
  const res = await browser.worker(`${PUBLIC_URL}/approvals`);
  return { res, html: await res.text(), browser };
}

function links(html: string): string[] {
  return [...html.matchAll(/<a href="(\/approvals\/[^"]+)">Open<\/a>/g)].map((m) => `${PUBLIC_URL}${m[1]}`);
}

describe("GET /approvals", () => {
  it("lists the open requests the person may decide, newest first, and no others", async () => {
    const { requester, approver, other } = people();
    const first = await request(requester, { kind: "approvers", approvers: { emails: [approver.email] } }, "Ops/one");
    const second = await request(requester, { kind: "approvers", approvers: { emails: [approver.email] } }, "Ops/two");
    const notTheirs = await request(requester, { kind: "approvers", approvers: { emails: [other.email] } }, "Ops/three");
    const self = await request(requester, { kind: "self" }, "Certs/self");

    const asApprover = await listAs(approver);
    expect(asApprover.res.status).toBe(200);
    expect(asApprover.res.headers.get("Cache-Control")).toBe("no-store");
    expect(asApprover.res.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(links(asApprover.html)).toEqual([second.url, first.url]);
    expect(asApprover.html).toContain(requester.email);

    // The requester decides only their own self-confirmation; the approver requests are not theirs to decide.
    expect(links((await listAs(requester)).html)).toEqual([self.url]);
    expect(links((await listAs(other)).html)).toEqual([notTheirs.url]);
  });

  it("drops a request once it is decided or withdrawn", async () => {
    const { requester, approver } = people();
    const decided = await request(requester, { kind: "approvers", approvers: { emails: [approver.email] } }, "Ops/decided");
    const withdrawn = await request(requester, { kind: "approvers", approvers: { emails: [approver.email] } }, "Ops/withdrawn");
    const open = await request(requester, { kind: "approvers", approvers: { emails: [approver.email] } }, "Ops/open");
    const store = ticketStoreFor(env, decided.session);
    const view = (await store.approvalView(decided.approvalId))!;
    await store.decide(decided.approvalId, "denied", { sub: approver.sub, email: approver.email }, { event: "denied", outcome: "denied", session: decided.session, ticketId: view.ticketId });
    await ticketStoreFor(env, withdrawn.session).revokeAll();
    expect(links((await listAs(approver)).html)).toEqual([open.url]);
  });

  it("escapes the reason and the names an agent or a client chose", async () => {
    const { requester, approver } = people();
    const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
    await request({ ...requester, email: `x${hostile}@corp.example` }, { kind: "approvers", approvers: { emails: [approver.email] } }, `Ops/${hostile}`, `because ${hostile}`);
    const { html } = await listAs(approver);
    expect(html).toContain("because &#60;script&#62;");
    expect(html).not.toMatch(/<script|<img/);
  });

  it("sends a browser without a session to sign in first", async () => {
    const res = await new Browser().worker(`${PUBLIC_URL}/approvals`);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toContain("/authorize?");
  });
});
