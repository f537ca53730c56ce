// Browser sessions for claimcheck's own pages: a page that needs a person sends them through the
// same SSO, the callback starts a short, hash-stored session and brings them back to the page on
// this origin only, and every form post proves it came from our page.
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { randomHandle, sha256Base64url } from "../../../src/auth/digest";
import { PendingPageSignIn, SameOriginPath } from "../../../src/auth/sign-in-state";
import { loadConfig } from "../../../src/config";
import { browserSessionCookieName, startBrowserSession, type BrowserSession } from "../../../src/pages/browser-session";
import { csrfField } from "../../../src/pages/csrf";
import { Browser, PUBLIC_URL, visitIdp } from "../auth/sign-in-driver";
import { csrfTokenOf, signInToPage, visitPage } from "./page-driver";

const config = loadConfig(env);
const SESSION_COOKIE = "__Host-claimcheck-session";
const DEMO = `${PUBLIC_URL}/test-pages/demo?item=42`;
const FIFTEEN_MINUTES_MS = 15 * 60_000;
const DEV = { sub: "corp|user:42", email: "dev@corp.example", emailVerified: true, name: "Dev Eloper", groups: ["payments", "eng"] };

afterEach(() => {
  vi.useRealTimers();
});

/** A browser signed in to the pages, and the Set-Cookie line of its session. */
async function signedInBrowser() {
  const browser = new Browser();
  const callback = await signInToPage(browser, DEMO);
  expect(callback.status).toBe(302);
  const setCookie = callback.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
  return { browser, callback, setCookie, handle: browser.cookies.get(SESSION_COOKIE)! };
}

async function whoami(browser: Browser): Promise<BrowserSession | null> {
  return (await (await visitPage(browser, `${PUBLIC_URL}/test-pages/whoami`)).json()) as BrowserSession | null;
}

async function allKvEntries(): Promise<{ name: string; value: string }[]> {
  const entries: { name: string; value: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.OAUTH_KV.list(cursor === undefined ? {} : { cursor });
    for (const key of page.keys) entries.push({ name: key.name, value: (await env.OAUTH_KV.get(key.name)) ?? "" });
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return entries;
}

function post(browser: Browser, form: Record<string, string>, headers: Record<string, string> = { Origin: PUBLIC_URL }) {
  return visitPage(browser, `${PUBLIC_URL}/test-pages/demo`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
}

describe("page sign-in", () => {
  it("sends a person without a session to the IdP, with PKCE, state, nonce and our one redirect URI", async () => {
    const browser = new Browser();
    const res = await visitPage(browser, DEMO);
    expect(res.status).toBe(302);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const to = new URL(res.headers.get("Location")!);
    expect(to.origin + to.pathname).toBe(`${config.oidc.issuer}/authorize`);
    expect(to.searchParams.get("redirect_uri")).toBe(`${PUBLIC_URL}/callback`);
    expect(to.searchParams.get("code_challenge_method")).toBe("S256");
    expect(to.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The page's path never travels to the IdP: it stays in the state record.
    expect(to.href).not.toContain("test-pages");
    expect(browser.cookies.has("__Host-claimcheck-browser")).toBe(true);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("starts a session at the callback and goes back to the page it came from", async () => {
    const { callback, setCookie } = await signedInBrowser();
    expect(callback.headers.get("Location")).toBe(DEMO);
    expect(callback.headers.get("Cache-Control")).toBe("no-store");
    expect(setCookie).toMatch(/^__Host-claimcheck-session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; Max-Age=900/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).not.toMatch(/Domain=/i);
  });

  it("shows the page to the signed-in person, framed and cached by nobody", async () => {
    const { browser } = await signedInBrowser();
    const page = await visitPage(browser, DEMO);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in as dev@corp.example");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
    expect(page.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("X-Frame-Options")).toBe("DENY");
  });

  it("gives browserSessionOf the identity the IdP vouched for, and a form token", async () => {
    const { browser } = await signedInBrowser();
    const session = await whoami(browser);
    expect(session?.identity).toEqual(DEV);
    expect(session?.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("uses a plain, non-Secure cookie name on http loopback, where browsers refuse __Host- and Secure", async () => {
    const app = new Hono<{ Bindings: Env }>();
    app.get("/", async (c) => c.text(await startBrowserSession(c, { ...config, publicUrl: "http://127.0.0.1:8787" }, DEV)));
    const setCookie = await (await app.request("/", {}, env)).text();
    expect(browserSessionCookieName("http://127.0.0.1:8787")).toBe("claimcheck-session");
    expect(setCookie).toMatch(/^claimcheck-session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
  });

  it("refuses a page sign-in finished in another browser", async () => {
    const start = await visitPage(new Browser(), DEMO);
    const callbackUrl = await visitIdp(start.headers.get("Location")!);
    const attacker = new Browser();
    await visitPage(attacker, DEMO); // the attacker has a binding cookie of its own
    const res = await attacker.worker(callbackUrl);
    expect(res.status).toBe(400);
    expect(attacker.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses a replayed page sign-in callback", async () => {
    const browser = new Browser();
    const start = await visitPage(browser, DEMO);
    const callbackUrl = await visitIdp(start.headers.get("Location")!);
    expect((await browser.worker(callbackUrl)).status).toBe(302);
    browser.cookies.delete(SESSION_COOKIE);
    expect((await browser.worker(callbackUrl)).status).toBe(400);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("starts no session when the IdP answer fails verification, and tells the person to reopen the page", async () => {
    const browser = new Browser();
    const res = await signInToPage(browser, DEMO, { scenario: "wrong_nonce" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
    const main = /<main>([\s\S]*)<\/main>/.exec(await res.text())![1];
    expect(main).toContain("Sign-in could not be completed. Open the page again to retry.");
    expect(main).not.toMatch(/nonce|token/i);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("starts no session when the person declines at the IdP", async () => {
    const browser = new Browser();
    const res = await signInToPage(browser, DEMO, { scenario: "deny" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it("refuses a callback whose issuer is not ours (RFC 9207), for page sign-ins too", async () => {
    const browser = new Browser();
    const res = await signInToPage(browser, DEMO, { scenario: "callback_wrong_iss" });
    expect(res.status).toBe(400);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });
});

describe("returnTo", () => {
  const offsite = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "/\t/evil.example",
    "https://evil.example/",
    "http://evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    "/ spaces",
  ];

  it.each(offsite)("refuses %j before sending anyone to the IdP", async (to) => {
    const res = await visitPage(new Browser(), `${PUBLIC_URL}/test-pages/bounce?${new URLSearchParams({ to })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe("BAD_REQUEST");
  });

  it("refuses an offsite returnTo in a stored record too (a forged or altered state is the wrong kind)", () => {
    for (const returnTo of offsite) {
      expect(PendingPageSignIn.safeParse({ kind: "page-sign-in", returnTo, codeVerifier: "v", nonce: "n", browser: "b" }).success).toBe(false);
    }
  });

  it("accepts same-origin paths with a query", async () => {
    for (const path of ["/", "/approvals/abc?x=1&y=%2F%2Fevil.example", "/audit#latest"]) expect(SameOriginPath.safeParse(path).success).toBe(true);
    const res = await visitPage(new Browser(), `${PUBLIC_URL}/test-pages/bounce?${new URLSearchParams({ to: "/approvals/abc?x=1" })}`);
    expect(res.status).toBe(302);
  });
});

describe("the session cookie", () => {
  it("gives no session without a cookie", async () => {
    expect(await whoami(new Browser())).toBeNull();
  });

  it("gives no session for an unknown handle", async () => {
    const browser = new Browser();
    browser.cookies.set(SESSION_COOKIE, randomHandle());
    expect(await whoami(browser)).toBeNull();
  });

  it("gives no session for a tampered handle", async () => {
    const { browser, handle } = await signedInBrowser();
    const flipped = handle.slice(0, -1) + (handle.endsWith("A") ? "B" : "A");
    browser.cookies.set(SESSION_COOKIE, flipped);
    expect(await whoami(browser)).toBeNull();
    browser.cookies.set(SESSION_COOKIE, `${handle}x`);
    expect(await whoami(browser)).toBeNull();
  });

  it("gives no session under another cookie name (a non-__Host- cookie a subdomain could plant)", async () => {
    const { browser, handle } = await signedInBrowser();
    browser.cookies.delete(SESSION_COOKIE);
    browser.cookies.set("claimcheck-session", handle);
    expect(await whoami(browser)).toBeNull();
  });

  it("expires after 15 minutes even while KV still holds the record", async () => {
    const { browser, handle } = await signedInBrowser();
    expect(await whoami(browser)).not.toBeNull();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + FIFTEEN_MINUTES_MS + 1_000);
    expect(await env.OAUTH_KV.get(`browser-session:${await sha256Base64url(handle)}`)).not.toBeNull();
    expect(await whoami(browser)).toBeNull();
  });

  it("asks KV to drop the record after 15 minutes", async () => {
    const { handle } = await signedInBrowser();
    const { keys } = await env.OAUTH_KV.list({ prefix: `browser-session:${await sha256Base64url(handle)}` });
    expect(keys).toHaveLength(1);
    const secondsLeft = keys[0]!.expiration! - Date.now() / 1000;
    expect(secondsLeft).toBeGreaterThan(60);
    expect(secondsLeft).toBeLessThanOrEqual(15 * 60 + 1);
  });

  it("stores only the SHA-256 of the handle: the handle is in no key and no value", async () => {
    const { handle } = await signedInBrowser();
    const entries = await allKvEntries();
    expect(entries.map((e) => e.name)).toContain(`browser-session:${await sha256Base64url(handle)}`);
    for (const { name, value } of entries) {
      expect(name).not.toContain(handle);
      expect(value).not.toContain(handle);
    }
  });

  it("is a new handle at every sign-in, never one the browser brought (session fixation)", async () => {
    const browser = new Browser();
    const planted = randomHandle();
    browser.cookies.set(SESSION_COOKIE, planted);
    await signInToPage(browser, DEMO);
    expect(browser.cookies.get(SESSION_COOKIE)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(browser.cookies.get(SESSION_COOKIE)).not.toBe(planted);
  });

  it("ends at sign-out: the record is deleted and the cookie cleared", async () => {
    const { browser, handle } = await signedInBrowser();
    const res = await visitPage(browser, `${PUBLIC_URL}/test-pages/sign-out`, { method: "POST" });
    const cleared = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cleared).toMatch(/^__Host-claimcheck-session=;/);
    expect(cleared).toMatch(/; Max-Age=0/);
    expect(await env.OAUTH_KV.get(`browser-session:${await sha256Base64url(handle)}`)).toBeNull();
    browser.cookies.set(SESSION_COOKIE, handle); // a copy kept from before is useless too
    expect(await whoami(browser)).toBeNull();
  });
});

describe("CSRF", () => {
  async function formPage() {
    const { browser } = await signedInBrowser();
    const token = csrfTokenOf(await (await visitPage(browser, DEMO)).text());
    return { browser, token };
  }

  async function expectRejected(res: Response) {
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "CSRF_REJECTED", message: "This form could not be accepted. Reload the page and try again." });
  }

  it("accepts the page's own token from our origin", async () => {
    const { browser, token } = await formPage();
    const res = await post(browser, { csrf: token });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("accepted");
  });

  it("accepts the right token when the browser sends no Origin (SameSite=Lax already kept cross-site posts away)", async () => {
    const { browser, token } = await formPage();
    expect((await post(browser, { csrf: token }, {})).status).toBe(200);
  });

  it("refuses a wrong token", async () => {
    const { browser, token } = await formPage();
    await expectRejected(await post(browser, { csrf: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") }));
    await expectRejected(await post(browser, { csrf: randomHandle() }));
  });

  it("refuses another session's token", async () => {
    const { browser } = await formPage();
    const other = await formPage();
    await expectRejected(await post(browser, { csrf: other.token }));
  });

  it("refuses a missing token", async () => {
    const { browser } = await formPage();
    await expectRejected(await post(browser, {}));
  });

  it("refuses a foreign Origin, and Origin null, even with the right token", async () => {
    const { browser, token } = await formPage();
    await expectRejected(await post(browser, { csrf: token }, { Origin: "https://evil.example" }));
    await expectRejected(await post(browser, { csrf: token }, { Origin: "null" }));
    await expectRejected(await post(browser, { csrf: token }, { Origin: "https://claimcheck.test.evil.example" }));
  });

  it("escapes the token in the hidden field", () => {
    const field = csrfField({ identity: DEV, csrf: `"><script>alert(1)</script>` });
    expect(field).not.toContain("<script>");
    expect(field).toBe(`<input type="hidden" name="csrf" value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;">`);
  });
});
