// A test-only page behind requirePageSession, mounted here and never in src/: it stands in for the
// real pages (consent, approvals, audit view) so the shared session, sign-in and CSRF helpers can
// be driven as a browser would. Requests to it carry the same Browser's cookies as requests to the
// Worker (the /callback hop goes to the real Worker through the sign-in driver).
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { loadConfig } from "../../../src/config";
import { errorResponse } from "../../../src/http/error-response";
import { browserSessionOf, endBrowserSession } from "../../../src/pages/browser-session";
import { checkCsrf, csrfField } from "../../../src/pages/csrf";
import { escapeHtml, htmlPage } from "../../../src/pages/layout";
import { requirePageSession } from "../../../src/pages/page-sign-in";
import { redirectTo } from "../../../src/pages/redirect";
import { Browser, visitIdp, type IdpChoice } from "../auth/sign-in-driver";

export const testPages = new Hono<{ Bindings: Env }>();
// JSON errors, so tests can assert on the stable code.
testPages.onError((err) => errorResponse(err));

/** A page that needs a signed-in person, with one form. */
testPages.get("/test-pages/demo", async (c) => {
  const config = loadConfig(c.env);
  const session = await requirePageSession(c, config, c.req.path + new URL(c.req.url).search);
  if (session instanceof Response) return session;
  return htmlPage(
    "Demo",
    `<p class="who">Signed in as ${escapeHtml(session.identity.email)}</p>
<form method="post" action="/test-pages/demo">${csrfField(session)}<button type="submit">Go</button></form>`,
  );
});

testPages.post("/test-pages/demo", async (c) => {
  const config = loadConfig(c.env);
  const session = await browserSessionOf(c, config);
  if (!session) return c.text("no session", 401);
  checkCsrf(c, config, session, await c.req.parseBody());
  return c.text("accepted");
});

/** requirePageSession with a returnTo chosen by the test. */
testPages.get("/test-pages/bounce", async (c) => {
  const session = await requirePageSession(c, loadConfig(c.env), c.req.query("to") ?? "");
  return session instanceof Response ? session : c.text("signed in");
});

/** What browserSessionOf sees for this request. */
testPages.get("/test-pages/whoami", async (c) => c.json((await browserSessionOf(c, loadConfig(c.env))) ?? null));

testPages.post("/test-pages/sign-out", async (c) => redirectTo("/", await endBrowserSession(c, loadConfig(c.env))));

/** A request to the test pages with this browser's cookies, keeping what they set. */
export async function visitPage(browser: Browser, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (browser.cookies.size > 0) headers.set("Cookie", [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
  const res = await testPages.fetch(new Request(url, { ...init, headers, redirect: "manual" }), env);
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    browser.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return res;
}

/** Page → IdP → /callback (the real Worker); returns the Worker's answer to the callback. */
export async function signInToPage(browser: Browser, pageUrl: string, choice: IdpChoice = {}): Promise<Response> {
  const start = await visitPage(browser, pageUrl);
  if (start.status !== 302) throw new Error(`the page answered ${start.status}`);
  return browser.worker(await visitIdp(start.headers.get("Location")!, choice));
}

export function csrfTokenOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("no csrf field on the page");
  return match[1]!;
}
