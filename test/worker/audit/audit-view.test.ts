// GET /audit and a ticket's life: who gets in (viewer by group, email or subject; a non-viewer, no
// session, an expired session), the headers every page carries, filters and keyset paging against
// real D1 rows, highlighting, and escaping of hostile text from clients, agents and IdPs.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordAudit, type AuditEvent } from "../../../src/audit/audit-log";
import { loadConfig } from "../../../src/config";
import { BROWSER_SESSION_TTL_SECONDS } from "../../../src/pages/browser-session";
import { Browser, PUBLIC_URL, registerClient } from "../auth/sign-in-driver";
import { NOT_A_VIEWER, olderLink, page, signedInBrowser, tableRows, VIEWER_BY_EMAIL, VIEWER_BY_GROUP, VIEWER_BY_SUBJECT } from "./audit-browser";

/** Rows of one test, told apart from every other test's by a unique client id. */
function marker(): string {
  return `client-${crypto.randomUUID()}`;
}

const BASE_MS = Date.parse("2026-11-20T10:00:00.000Z");

async function seed(clientId: string, events: Partial<AuditEvent>[]): Promise<void> {
  await recordAudit(
    env.DB,
    events.map((e, i) => ({ event: "deny", outcome: "unknown", at: BASE_MS + i * 1000, clientId, ...e }) as AuditEvent),
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe("who may open the audit pages", () => {
  it.each([
    ["a group", VIEWER_BY_GROUP],
    ["an email (case-insensitive)", VIEWER_BY_EMAIL],
    ["a subject", VIEWER_BY_SUBJECT],
  ])("lets in a viewer named by %s", async (_how, who) => {
    const browser = await signedInBrowser(who);
    const { res, html } = await page(browser, "/audit");
    expect(res.status).toBe(200);
    expect(html).toContain("<h1>Audit trail</h1>");
  });

  it("shows a non-viewer a 403 page that names no data", async () => {
    const clientId = marker();
    await seed(clientId, [{ event: "replay", outcome: "used", email: "leaky@corp.example", secretPath: "db/secret-path-xyz" }]);
    const browser = await signedInBrowser(NOT_A_VIEWER);
    for (const path of ["/audit", `/audit?client_id=${clientId}`, "/audit/tickets/0123456789ab", "/audit/events/1", "/audit/export?format=csv"]) {
      const { res, html } = await page(browser, path);
      expect(res.status, path).toBe(403);
      expect(html).toContain("You cannot view the audit trail");
      for (const fact of [clientId, "leaky@corp.example", "secret-path-xyz", "<table"]) expect(html).not.toContain(fact);
    }
  });

  it("sends a browser without a session to sign in, and brings it back to the same filtered view", async () => {
    const path = "/audit?event=replay&email=a%40b.example";
    const res = await new Browser().worker(`${PUBLIC_URL}${path}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toMatch(new RegExp(`^${loadConfig(env).oidc.issuer}/authorize\\?`));
    const browser = await signedInBrowser(VIEWER_BY_GROUP, path);
    expect((await page(browser, path)).res.status).toBe(200);
  });

  it("sends a viewer whose session expired to sign in again", async () => {
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + BROWSER_SESSION_TTL_SECONDS * 1000 + 1000);
    const res = await browser.worker(`${PUBLIC_URL}/audit`);
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toMatch(new RegExp(`^${loadConfig(env).oidc.issuer}/authorize\\?`));
  });

  it("serves every page no-store, never framed, with no script allowed", async () => {
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    const clientId = marker();
    await seed(clientId, [{ ticketId: "aaaabbbbcccc", session: "s-headers" }]);
    const id = (await env.DB.prepare("SELECT id FROM audit_events WHERE client_id = ?").bind(clientId).first<{ id: number }>())!.id;
    for (const path of ["/audit", "/audit/tickets/aaaabbbbcccc", `/audit/events/${id}`, "/audit?ticket_id=nothex"]) {
      const { res } = await page(browser, path);
      expect(res.headers.get("Cache-Control"), path).toBe("no-store");
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).not.toContain("script-src");
    }
  });
});

describe("the list", () => {
  it("pages 50 rows at a time, newest first, by cursor, with no row twice and none left out", async () => {
    const clientId = marker();
    await seed(clientId, Array.from({ length: 120 }, (_, i) => ({ secretPath: `paging/${i}` })));
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    const seen: string[] = [];
    let path: string | undefined = `/audit?client_id=${clientId}`;
    const sizes: number[] = [];
    while (path) {
      const { html } = await page(browser, path);
      const rows = tableRows(html);
      sizes.push(rows.length);
      seen.push(...rows.map((cells) => /paging\/(\d+)/.exec(cells[5]!)![1]!));
      path = olderLink(html);
      // Rows written after the first page was read do not shift the later pages.
      if (sizes.length === 1) await seed(clientId, [{ secretPath: "paging/late", at: BASE_MS + 999_000 }]);
    }
    expect(sizes).toEqual([50, 50, 20]);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => String(119 - i)));
  });

  it("filters by event, email, secret path glob, client, ticket id, subject and time range, all from the query string", async () => {
    const clientId = marker();
    await seed(clientId, [
      /* 0 */ { event: "mint", outcome: "ok", email: "Alice@Corp.Example", subject: "alice", secretPath: "Team/db/prod", ticketId: "0000000000a0" },
      /* 1 */ { event: "redeem", outcome: "ok", email: "alice@corp.example", subject: "alice", secretPath: "Team/db/eu/prod", ticketId: "0000000000a1" },
      /* 2 */ { event: "replay", outcome: "used", email: "bob@corp.example", subject: "bob", secretPath: "Team/dbx/prod", ticketId: "0000000000a2" },
      /* 3 */ { event: "late_use", outcome: "revoked", email: "bob@corp.example", subject: "bob", secretPath: "team/DB/stage", ticketId: "0000000000a3" },
    ]);
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    const shown = async (query: string) =>
      tableRows((await page(browser, `/audit?client_id=${clientId}&${query}`)).html).map((cells) => cells[5]!.split(" ")[0]);
    expect(await shown("")).toEqual(["team/DB/stage", "Team/dbx/prod", "Team/db/eu/prod", "Team/db/prod"]);
    expect(await shown("event=replay&event=late_use")).toEqual(["team/DB/stage", "Team/dbx/prod"]);
    expect(await shown("email=ALICE%40corp.example")).toEqual(["Team/db/eu/prod", "Team/db/prod"]);
    expect(await shown(`secret_path=${encodeURIComponent("Team/db/*")}`)).toEqual(["team/DB/stage", "Team/db/prod"]);
    expect(await shown(`secret_path=${encodeURIComponent("team/db/**")}`)).toEqual(["team/DB/stage", "Team/db/eu/prod", "Team/db/prod"]);
    expect(await shown("ticket_id=0000000000A2")).toEqual(["Team/dbx/prod"]);
    expect(await shown("subject=bob")).toEqual(["team/DB/stage", "Team/dbx/prod"]);
    expect(await shown("from=2026-11-20T10:00:01&to=2026-11-20T10:00:03")).toEqual(["Team/dbx/prod", "Team/db/eu/prod"]);
    expect(await shown("from=2026-11-21")).toEqual([]);
  });

  it("refuses a malformed filter, naming it", async () => {
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    for (const [query, name] of [["ticket_id=xyz", "ticket_id"], ["event=nonsense", "event"], ["from=yesterday", "from"]] as const) {
      const { res, html } = await page(browser, `/audit?${query}`);
      expect(res.status).toBe(400);
      expect(html).toContain(`The filter ${name} is not valid`);
    }
  });

  it("makes replay, late_use, refresh_replay and deny stand out, and nothing else", async () => {
    const clientId = marker();
    const events = ["mint", "redeem", "replay", "late_use", "refresh_replay", "deny", "revoke", "expire"] as const;
    await seed(clientId, events.map((event) => ({ event, outcome: "x" })));
    const { html } = await page(await signedInBrowser(VIEWER_BY_GROUP), `/audit?client_id=${clientId}`);
    const flagged = [...html.matchAll(/<tr class="flag">[\s\S]*?<span class="event flag">([a-z_]+)<\/span>/g)].map((m) => m[1]);
    expect(flagged.sort()).toEqual(["deny", "late_use", "refresh_replay", "replay"]);
  });

  it("escapes hostile text from emails, client names, user agents, paths and details", async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const clientId = await registerClient({ client_name: `Agent ${hostile}` });
    await recordAudit(env.DB, {
      event: "replay",
      outcome: "used",
      clientId,
      email: `x${hostile}@corp.example`,
      subject: `sub${hostile}`,
      userAgent: `curl ${hostile}`,
      secretPath: `db/${hostile}`,
      field: hostile,
      ticketId: "abcdefabcdef",
      session: `s${hostile}`,
      detail: { reason: hostile },
    });
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    const id = (await env.DB.prepare("SELECT id FROM audit_events WHERE client_id = ?").bind(clientId).first<{ id: number }>())!.id;
    for (const path of [`/audit?client_id=${encodeURIComponent(clientId)}`, "/audit/tickets/abcdefabcdef", `/audit/events/${id}`]) {
      const { html } = await page(browser, path);
      expect(html, path).toContain("Agent &#34;&#62;&#60;script&#62;");
      // Text only: no element or attribute came out of the hostile values.
      expect(html, path).not.toMatch(/<script|<img/);
    }
  });
});

describe("a ticket's life", () => {
  it("shows every event of one ticket, oldest first, from mint to replay", async () => {
    const clientId = marker();
    const ticketId = crypto.randomUUID().replace(/-/g, "").slice(0, 12);
    const about = { ticketId, session: "grant-life", subject: "owner-1", email: "owner@corp.example", secretPath: "Ops/break-glass", secretId: 15, field: "password" };
    await seed(clientId, [
      { event: "mint", outcome: "ok", ...about },
      { event: "approval_requested", outcome: "pending", ...about, detail: { approval_id: "x".repeat(22), approvers: "approvers" } },
      { event: "approved", outcome: "ok", ...about, detail: { approver_email: "boss@corp.example" } },
      { event: "redeem", outcome: "ok", ...about, clientIp: "192.0.2.7" },
      { event: "replay", outcome: "used", ...about, clientIp: "198.51.100.9" },
      { event: "mint", outcome: "ok", ticketId: "ffffffffffff", session: "other" },
    ]);
    const { res, html } = await page(await signedInBrowser(VIEWER_BY_GROUP), `/audit/tickets/${ticketId.toUpperCase()}`);
    expect(res.status).toBe(200);
    const order = [...html.matchAll(/<span class="event(?: flag)?">([a-z_]+)<\/span>/g)].map((m) => m[1]);
    expect(order).toEqual(["mint", "approval_requested", "approved", "redeem", "replay"]);
    expect(html).toContain("boss@corp.example");
    expect(html).toContain("198.51.100.9");
    expect(html).toContain('<li class="flag">');
    // The incident forms come prefilled with the ticket's owner and client.
    expect(html).toContain('name="subject" required maxlength="512" value="owner-1"');
    expect(html).toContain(`name="client_id" required maxlength="512" value="${clientId}"`);
  });

  it("answers a malformed ticket id with a page, not a sign-in loop", async () => {
    const { res } = await page(await signedInBrowser(VIEWER_BY_GROUP), "/audit/tickets/not-a-ticket");
    expect(res.status).toBe(404);
  });
});
