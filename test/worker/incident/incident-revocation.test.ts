// Incident actions from the audit page: revoke every live ticket and every OAuth grant of a user,
// or of one OAuth client. Real sign-ins through the test IdP, real tickets through MCP, real
// redemptions against the Secret Server stand-in. Afterwards the tickets and tokens are really
// dead, a ticket redeemed before is still audited as a replay with its owner when presented again
// (issue 18), the action is audited as admin_revoke with who did it, and refusals change nothing.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionOf } from "../../../src/mcp/caller";
import { accessTokenFor, Browser, exchangeCode, pkcePair, PUBLIC_URL, registerClient, signInAndApprove, tokenRequest, type ClientTokens, type Tokens } from "../auth/sign-in-driver";
import { csrfOf, NOT_A_VIEWER, page, postForm, signedInBrowser, VIEWER_BY_GROUP } from "../audit/audit-browser";
import { callTool, initialize } from "../mcp/json-rpc";
import { deliverAudit, storeOf } from "../tickets/audit-delivery";

const VALUE = "Pr0d-db-S3cret!"; // db/prod in the stand-in's seed
const TICKET = /cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/;

/** dev@corp.example may use db/** (vitest.config.ts); a fresh subject keeps other files' users out of reach. */
function newUser(): { sub: string; email: string } {
  return { sub: `incident-${crypto.randomUUID()}`, email: "dev@corp.example" };
}

async function mint(token: string): Promise<{ ticket: string; ticketId: string }> {
  const answer = await callTool(token, "get_secret_environment_variable", { secret_path: "db/prod", shell: "bash" });
  const out = answer.message!.result.structuredContent;
  return { ticket: TICKET.exec(out.script)![0], ticketId: out.ticket_id };
}

function redeem(ticket: string) {
  return exports.default.fetch(`${PUBLIC_URL}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${ticket}` } });
}

async function mcpStatus(token: string): Promise<number> {
  return (await initialize(token)).status;
}

function refresh(tokens: ClientTokens) {
  return tokenRequest({ grant_type: "refresh_token", refresh_token: tokens.refresh_token, client_id: tokens.clientId });
}

/** A second user of an existing client (accessTokenFor registers a new client each time). */
async function tokensWith(clientId: string, who: { sub: string; email: string }): Promise<ClientTokens> {
  const { verifier, challenge } = await pkcePair();
  const back = await signInAndApprove(new Browser(), clientId, challenge, who);
  const res = await exchangeCode(back, clientId, verifier);
  expect(res.status).toBe(200);
  return { ...((await res.json()) as Tokens), clientId };
}

async function rowsOf(ticketId: string) {
  const { results } = await env.DB.prepare("SELECT event, outcome, subject, client_id, session FROM audit_events WHERE ticket_id = ? ORDER BY at, id").bind(ticketId).all();
  return results;
}

async function adminRevokes(column: "subject" | "client_id", value: string) {
  const { results } = await env.DB.prepare(`SELECT * FROM audit_events WHERE event = 'admin_revoke' AND ${column} = ?`).bind(value).all<{ detail: string }>();
  return results.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** A viewer on the audit page, ready to post its forms. */
async function viewer() {
  const browser = await signedInBrowser(VIEWER_BY_GROUP);
  return { browser, csrf: csrfOf((await page(browser, "/audit")).html) };
}

describe("revoking a user", () => {
  it("kills their live tickets and every grant; a ticket redeemed before is still a replay with its owner", async () => {
    const user = newUser();
    const first = await accessTokenFor(user);
    const second = await accessTokenFor(user); // another agent of the same person
    const redeemed = await mint(first.access_token);
    expect(await (await redeem(redeemed.ticket)).text()).toBe(VALUE);
    const live = [await mint(first.access_token), await mint(second.access_token)];

    const { browser, csrf } = await viewer();
    const done = await postForm(browser, "/audit/revoke-user", { subject: user.sub, csrf });
    expect(done.status).toBe(200);
    const html = await done.text();
    expect(html).toContain("revoked 2 live tickets in 2 sessions, and 2 OAuth grants");
    for (const secret of [VALUE, redeemed.ticket, ...live.map((t) => t.ticket)]) expect(html).not.toContain(secret);

    // Outstanding scripts fail closed; each use is on record with owner, client and session.
    for (const t of live) expect((await redeem(t.ticket)).status).toBe(401);
    expect((await redeem(redeemed.ticket)).status).toBe(401);
    await deliverAudit(storeOf(redeemed.ticket));
    const session = await sessionOf(user.sub, first.clientId);
    expect((await rowsOf(redeemed.ticketId)).map((r) => [r.event, r.outcome, r.subject, r.client_id, r.session])).toEqual([
      ["mint", "ok", user.sub, first.clientId, session],
      ["redeem", "ok", user.sub, first.clientId, session],
      ["replay", "used", user.sub, first.clientId, session],
    ]);
    for (const t of live) {
      const events = (await rowsOf(t.ticketId)).map((r) => `${r.event}:${r.outcome}:${r.subject}`);
      expect(events).toContain(`revoke:ok:${user.sub}`);
      expect(events).toContain(`late_use:revoked:${user.sub}`);
    }

    // The agents must sign in again: access tokens refused, refresh tokens too.
    expect(await mcpStatus(first.access_token)).toBe(401);
    expect(await mcpStatus(second.access_token)).toBe(401);
    expect((await refresh(first)).status).toBe(400);
    expect((await refresh(second)).status).toBe(400);

    const [audit] = await adminRevokes("subject", user.sub);
    expect(audit?.detail).toEqual({ target: "user", by_sub: "sec-by-group", by_email: "sec@corp.example", tickets: 2, grants: 2 });

    // Signing in again works, and the new agent gets tickets that redeem.
    const again = await accessTokenFor(user);
    expect(await (await redeem((await mint(again.access_token)).ticket)).text()).toBe(VALUE);
  });

  it("leaves other users alone", async () => {
    const target = newUser();
    const bystander = await accessTokenFor(newUser());
    const bystanderTicket = await mint(bystander.access_token);
    await accessTokenFor(target);
    const { browser, csrf } = await viewer();
    expect((await postForm(browser, "/audit/revoke-user", { subject: target.sub, csrf })).status).toBe(200);
    expect(await mcpStatus(bystander.access_token)).toBe(200);
    expect(await (await redeem(bystanderTicket.ticket)).text()).toBe(VALUE);
  });
});

describe("revoking an OAuth client", () => {
  it("kills its tickets and grants for every user, and nothing of other clients", async () => {
    const clientId = await registerClient({ client_name: "Compromised Agent" });
    const alice = newUser();
    const bob = newUser();
    const aliceOnClient = await tokensWith(clientId, alice);
    const bobOnClient = await tokensWith(clientId, bob);
    const aliceElsewhere = await accessTokenFor(alice);
    const doomed = [await mint(aliceOnClient.access_token), await mint(bobOnClient.access_token)];
    const spared = await mint(aliceElsewhere.access_token);
    // The client action finds sessions through the mint rows in D1.
    for (const t of doomed) await deliverAudit(storeOf(t.ticket));

    const { browser, csrf } = await viewer();
    const done = await postForm(browser, "/audit/revoke-client", { client_id: clientId, csrf });
    expect(done.status).toBe(200);
    const doneHtml = await done.text();
    expect(doneHtml).toContain("revoked 2 live tickets in 2 sessions, and the client's registration and every grant it held");

    for (const t of doomed) expect((await redeem(t.ticket)).status).toBe(401);
    expect(await mcpStatus(aliceOnClient.access_token)).toBe(401);
    expect(await mcpStatus(bobOnClient.access_token)).toBe(401);
    expect((await refresh(bobOnClient)).status).toBe(401);
    expect(await mcpStatus(aliceElsewhere.access_token)).toBe(200);
    expect(await (await redeem(spared.ticket)).text()).toBe(VALUE);

    const [audit] = await adminRevokes("client_id", clientId);
    expect(audit?.detail).toMatchObject({ target: "client", by_email: "sec@corp.example", tickets: 2 });
  });
});

describe("refusals change nothing", () => {
  it.each([
    ["no token", (_csrf: string) => ({}), { Origin: PUBLIC_URL }],
    ["a wrong token", (_csrf: string) => ({ csrf: "A".repeat(43) }), { Origin: PUBLIC_URL }],
    ["a foreign Origin", (csrf: string) => ({ csrf }), { Origin: "https://evil.example" }],
  ])("refuses a post with %s (CSRF)", async (_what, form, headers) => {
    const user = newUser();
    const tokens = await accessTokenFor(user);
    const ticket = await mint(tokens.access_token);
    const { browser, csrf } = await viewer();
    for (const route of ["/audit/revoke-user", "/audit/revoke-client"]) {
      const res = await postForm(browser, route, { subject: user.sub, client_id: tokens.clientId, ...form(csrf) }, headers);
      expect(res.status).toBe(403);
    }
    expect(await mcpStatus(tokens.access_token)).toBe(200);
    expect(await (await redeem(ticket.ticket)).text()).toBe(VALUE);
    expect(await adminRevokes("subject", user.sub)).toEqual([]);
  });

  it("refuses a non-viewer with a 403 page, and a browser without a session with the sign-in", async () => {
    const user = newUser();
    const tokens = await accessTokenFor(user);
    const outsider = await signedInBrowser(NOT_A_VIEWER);
    const refused = await postForm(outsider, "/audit/revoke-user", { subject: user.sub, csrf: "x" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("You cannot view the audit trail");
    const anonymous = await postForm(new Browser(), "/audit/revoke-user", { subject: user.sub, csrf: "x" });
    expect(anonymous.status).toBe(302);
    expect(await mcpStatus(tokens.access_token)).toBe(200);
    expect(await adminRevokes("subject", user.sub)).toEqual([]);
  });
});
