// The sign-in a person sees, in a real browser (headless Debian Chromium driven by playwright-core):
// a dynamically registered MCP client's authorization URL → the OpenID provider's login page → the
// Worker's consent page → a redirect to the client's loopback URI with a code (approve) or
// `access_denied` (deny). The consent page is saved as test-artifacts/consent-page.png.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beginAuthorization } from "../../../dev/demo/agent-sign-in.ts";
import { startLocalStack, stopAll } from "../../../dev/stack/local-stack.ts";
import type { LocalStack, Stoppable } from "../../../dev/stack/local-stack.ts";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { stackSettings } from "../../../dev/stack/stack-settings.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";
import { commandLineOf, descendantsOf, isAlive } from "../stack/process-tree.ts";
import { listenForClientRedirect } from "./client-redirect.ts";
import type { ClientRedirect } from "./client-redirect.ts";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const ALICE = { email: "alice@demo.test", password: "alice-demo-password" };
const SCREENSHOT = join(PROJECT_ROOT, "test-artifacts", "consent-page.png");
const STEP_TIMEOUT_MS = 15_000;

const running: Stoppable[] = [];
let stack: LocalStack;
let stateDir: string;
let profileDir: string;
let browser: BrowserContext;
let redirect: ClientRedirect;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "claimcheck-browser-test-"));
  profileDir = await mkdtemp(join(tmpdir(), "claimcheck-chromium-"));
  const env = {
    CLAIMCHECK_PORT: String(await findFreePort()),
    OIDC_PORT: String(await findFreePort()),
    SECRET_SERVER_PORT: String(await findFreePort()),
    CLAIMCHECK_STATE_DIR: stateDir,
  };
  stack = await startLocalStack(stackSettings(env), running);
  redirect = await listenForClientRedirect();
  // launchPersistentContext is how playwright takes a --user-data-dir: a fresh, empty profile.
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1100, height: 900 },
    timeout: 30_000,
  });
  browser.setDefaultTimeout(STEP_TIMEOUT_MS);
}, 90_000);

afterAll(async () => {
  await (browser as BrowserContext | undefined)?.close();
  await (redirect as ClientRedirect | undefined)?.close();
  await stopAll(running);
  await rm(stateDir, { recursive: true, force: true });
  await rm(profileDir, { recursive: true, force: true });
});

/** Resolves with `step`'s result, or throws naming the step once STEP_TIMEOUT_MS has passed. */
async function step<T>(name: string, work: Promise<T>): Promise<T> {
  const result = await withinMs(work, STEP_TIMEOUT_MS);
  if (result === TIMED_OUT) throw new Error(`${name} did not finish within ${STEP_TIMEOUT_MS / 1000} s`);
  return result;
}

/**
 * Closes a tab, waiting at most STEP_TIMEOUT_MS: Playwright's close has no limit of its own, and
 * under a full test run a close once held the test past its 60 s. A tab still open then goes with
 * the browser context at the end, which the last test checks leaves no process behind.
 */
async function closeTab(page: Page): Promise<void> {
  await withinMs(page.close(), STEP_TIMEOUT_MS);
}

/** Registers a client, opens its authorization URL, signs in if asked; resolves on the consent page. */
async function reachConsentPage(clientName: string) {
  // Playwright bounds its own steps (setDefaultTimeout); these two have no limit of their own.
  const pending = await step("discovery and registration", beginAuthorization(stack.mcpUrl, { clientName, redirectUri: redirect.uri }));
  const page = await step("opening a browser tab", browser.newPage());
  await page.goto(pending.authorizationUrl.href);
  if (page.url().startsWith(stack.oidcIssuer)) {
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill(ALICE.email);
    await page.getByLabel("Password").fill(ALICE.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.waitForURL((url) => url.href.startsWith(`${stack.publicUrl}/callback`));
  return { pending, page };
}

/** Presses a consent button; resolves with the client's redirect, after checking what it leaks. */
async function press(page: Page, decision: "approve" | "deny"): Promise<URL> {
  const arrived = redirect.next();
  await page.locator(`button[name="decision"][value="${decision}"]`).click();
  const result = await withinMs(arrived, STEP_TIMEOUT_MS);
  if (result === TIMED_OUT) throw new Error(`no redirect reached the client; the browser shows: ${await page.locator("body").innerText()}`);
  const { url, referer } = result;
  // The consent page's own URL holds the IdP's code: it must not reach the client as a Referer.
  expect(referer).toBeUndefined();
  return url;
}

describe("consent in a real browser", () => {
  it("goes from the authorization URL through the provider's login page to the consent page", async () => {
    const { pending, page } = await reachConsentPage("Acme Code Assistant");
    const text = await page.locator("main").innerText();
    expect(await page.title()).toContain("Allow Acme Code Assistant?");
    expect(text).toContain("Acme Code Assistant"); // the client, by the name it registered
    expect(text).toContain("127.0.0.1"); // where the code will be sent: the redirect URI's host
    expect(text).toContain("alice@demo.test");
    await mkdir(join(PROJECT_ROOT, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    const back = await press(page, "approve");
    expect(back.origin + back.pathname).toBe(redirect.uri);
    expect(back.searchParams.get("state")).toBe(pending.state);
    expect(back.searchParams.get("error")).toBeNull();
    // The code is real: the client trades it (with its PKCE verifier) for an access token.
    const tokens = await pending.exchange(back);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.access_token.length).toBeGreaterThan(20);
    await closeTab(page);
  });

  it("sends access_denied with the state back to the client when consent is refused", async () => {
    const { pending, page } = await reachConsentPage("Unknown Tool");
    expect(await page.locator("main").innerText()).toContain("Unknown Tool");
    const back = await press(page, "deny");
    expect(back.origin + back.pathname).toBe(redirect.uri);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe(pending.state);
    expect(back.searchParams.get("code")).toBeNull();
    await closeTab(page);
  });

  it("leaves no browser process behind", async () => {
    const chromiumPids = descendantsOf(process.pid).filter((pid) => commandLineOf(pid).includes("chromium"));
    expect(chromiumPids.length).toBeGreaterThan(0);
    await browser.close();
    const deadline = Date.now() + 5_000;
    while (chromiumPids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(chromiumPids.filter(isAlive)).toEqual([]);
  });
});
