// The consent page: shown per user and client before any code is issued, names the client and
// where tokens go, cannot be framed or forged, and remembers an approval for that user only.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bindingCookieName } from "../../../src/pages/browser-binding";
import {
  authorizeUrl,
  Browser,
  CLIENT_REDIRECT,
  consentHandleOf,
  decide,
  pkcePair,
  PUBLIC_URL,
  registerClient,
  signIn,
  type IdpChoice,
} from "./sign-in-driver";

async function consentFor(clientId: string, choice: IdpChoice = {}) {
  const browser = new Browser();
  const page = await signIn(browser, authorizeUrl(clientId, (await pkcePair()).challenge), choice);
  return { browser, page, html: page.status === 200 ? await page.text() : "" };
}

function expectCodeForClient(res: Response) {
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get("Location")!);
  expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
  expect(back.searchParams.get("code")).toMatch(/\S+/);
  expect(back.searchParams.get("state")).toBe("client-state-123");
  expect(back.searchParams.get("iss")).toBe(PUBLIC_URL);
}

describe("the consent page", () => {
  it("names the product, the signed-in user, the client, the redirect host and what it may do", async () => {
    const { page, html } = await consentFor(await registerClient({ client_name: "Claude Code" }));
    expect(page.status).toBe(200);
    expect(html).toContain("claimcheck");
    expect(html).toContain("Signed in as Dev Eloper (dev@corp.example)");
    expect(html).toContain("Allow <em>Claude Code</em> (a name it gave itself) to use claimcheck as you?");
    expect(html).toContain(`<code>${CLIENT_REDIRECT}</code>`);
    expect(html).toContain("Access goes to an application on this computer.");
    expect(html).toContain("its name is not verified");
    expect(html).toContain("never shown to the model");
    expect(html).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>\s*<button type="submit" name="decision" value="approve"/);
  });

  it("shows the full redirect origin, port included, and path, but not the query", async () => {
    const clientId = await registerClient({ redirect_uris: ["http://127.0.0.1:53112/oauth/callback?session=abc"] });
    const browser = new Browser();
    const page = await signIn(browser, authorizeUrl(clientId, (await pkcePair()).challenge, { redirect_uri: "http://127.0.0.1:53112/oauth/callback?session=abc" }));
    const html = await page.text();
    expect(html).toContain("<dt>Access sent to</dt><dd><code>http://127.0.0.1:53112/oauth/callback</code></dd>");
    expect(html).not.toContain("session=abc");
  });

  it("lists the secrets the signed-in user's policy allows, read and write apart", async () => {
    const { html } = await consentFor(await registerClient());
    expect(html).toContain(
      "<dt>Your secrets</dt><dd>Read: <code>db/**</code>, <code>Payments/**</code>, <code>Certs/**</code>, <code>Ops/**</code><br>Write: <code>Payments/agents/**</code></dd>",
    );
    expect(html).toContain("create secrets, rotate passwords and store values");
  });

  it("says so when the policy allows the user nothing, and does not offer writing", async () => {
    const { html } = await consentFor(await registerClient(), { sub: "someone-else", email: "nobody@corp.example" });
    expect(html).toContain("None: your access policy allows you no secrets today.");
    expect(html).not.toContain("create secrets, rotate passwords");
  });

  it("tells a user whose address the IdP did not verify that email rules do not apply to them", async () => {
    const { html } = await consentFor(await registerClient(), { scenario: "email_verified_missing" });
    expect(html).toContain("rules that name people by email do not apply to you");
    expect(html).toContain("None: your access policy allows you no secrets today.");
  });

  it("escapes a hostile client name", async () => {
    const { html } = await consentFor(await registerClient({ client_name: `<script>alert("x")</script><img src=x onerror=alert(1)>` }));
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
  });

  it("cannot be framed, cached or run scripts", async () => {
    const { page } = await consentFor(await registerClient());
    const csp = page.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(page.headers.get("X-Frame-Options")).toBe("DENY");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(page.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  });

  it("renews the __Host- binding cookie the form is checked against", async () => {
    const { page } = await consentFor(await registerClient());
    expect(page.headers.getSetCookie().some((c) => /^__Host-claimcheck-browser=.+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/.test(c))).toBe(true);
  });
});

describe("POST /consent", () => {
  it("approving sends the client a code with its state and our issuer", async () => {
    const { browser, html } = await consentFor(await registerClient());
    expectCodeForClient(await decide(browser, consentHandleOf(html), "approve"));
  });

  it("denying sends the client access_denied with its state, and no code", async () => {
    const { browser, html } = await consentFor(await registerClient());
    const res = await decide(browser, consentHandleOf(html), "deny");
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("Location")!);
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("client-state-123");
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("refuses a post without the CSRF handle", async () => {
    const { browser } = await consentFor(await registerClient());
    const res = await decide(browser, undefined, "approve");
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
  });

  it("refuses a forged handle", async () => {
    const { browser } = await consentFor(await registerClient());
    expect((await decide(browser, "A".repeat(43), "approve")).status).toBe(400);
  });

  it("refuses the right handle from a browser without the binding cookie (a cross-site post)", async () => {
    const { html } = await consentFor(await registerClient());
    const res = await decide(new Browser(), consentHandleOf(html), "approve");
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
  });

  it("refuses a post from another origin", async () => {
    const { browser, html } = await consentFor(await registerClient());
    expect((await decide(browser, consentHandleOf(html), "approve", { Origin: "https://evil.example" })).status).toBe(400);
  });

  it("accepts each handle once", async () => {
    const { browser, html } = await consentFor(await registerClient());
    const handle = consentHandleOf(html);
    expectCodeForClient(await decide(browser, handle, "approve"));
    expect((await decide(browser, handle, "approve")).status).toBe(400);
  });

  it("does not take an SSO state as a consent handle", async () => {
    const browser = new Browser();
    const start = await browser.worker(authorizeUrl(await registerClient(), (await pkcePair()).challenge));
    const state = new URL(start.headers.get("Location")!).searchParams.get("state")!;
    expect((await decide(browser, state, "approve")).status).toBe(400);
  });
});

describe("remembered approvals", () => {
  it("skips the page when the same user signs in again for the same client", async () => {
    const clientId = await registerClient();
    const first = await consentFor(clientId);
    expectCodeForClient(await decide(first.browser, consentHandleOf(first.html), "approve"));
    const again = await consentFor(clientId);
    expectCodeForClient(again.page);
  });

  it("asks another user of the same client", async () => {
    const clientId = await registerClient();
    const first = await consentFor(clientId);
    await decide(first.browser, consentHandleOf(first.html), "approve");
    const other = await consentFor(clientId, { sub: "someone-else", email: "other@corp.example" });
    expect(other.page.status).toBe(200);
    expect(other.html).toContain("Signed in as Dev Eloper (other@corp.example)");
  });

  it("asks again for another client, and after a denial", async () => {
    const clientId = await registerClient();
    const first = await consentFor(clientId);
    await decide(first.browser, consentHandleOf(first.html), "deny");
    expect((await consentFor(clientId)).page.status).toBe(200);
    expect((await consentFor(await registerClient())).page.status).toBe(200);
  });

  it("keeps approvals in KV under the hashed user id, never the email or subject", async () => {
    const clientId = await registerClient();
    const first = await consentFor(clientId, { sub: "kv-check-user", email: "kv-check@corp.example" });
    await decide(first.browser, consentHandleOf(first.html), "approve");
    const { keys } = await env.OAUTH_KV.list({ prefix: "consent-approval:" });
    expect(keys.length).toBeGreaterThan(0);
    for (const { name } of keys) {
      expect(name).toMatch(/^consent-approval:[A-Za-z0-9_-]{43}:[A-Za-z0-9_-]{43}$/);
      expect(name).not.toContain("kv-check");
    }
  });
});

describe("on plain-http loopback (local runs)", () => {
  it("falls back to a non-prefixed binding cookie, and only there", () => {
    expect(bindingCookieName("http://127.0.0.1:8787")).toBe("claimcheck-browser");
    expect(bindingCookieName("https://claimcheck.test")).toBe("__Host-claimcheck-browser");
  });
});
