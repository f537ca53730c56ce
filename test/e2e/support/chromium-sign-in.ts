// A person approving a third-party MCP client in headless Chromium (Debian's, driven by
// playwright-core): the client's authorization URL → the OpenID provider's login page → the
// Worker's consent page → Approve → the client's own loopback callback, which the browser really
// reaches, so the client finishes its sign-in by itself as it would on a desktop.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
/** Each page step; Playwright's own waits are bounded by it too. */
const STEP_TIMEOUT_MS = 15_000;

export type Person = { email: string; password: string };
export type Chromium = { context: BrowserContext; close(): Promise<void> };

export async function startChromium(): Promise<Chromium> {
  const profile = await mkdtemp(join(tmpdir(), "claimcheck-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return {
    context,
    async close() {
      await withinMs(context.close(), STEP_TIMEOUT_MS);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export type ApprovalPlaces = { publicUrl: string; oidcIssuer: string; clientCallback: string };

/** Signs `person` in and approves; resolves with what the client's callback page said. */
export async function approveInChromium(browser: Chromium, authorizationUrl: string, person: Person, places: ApprovalPlaces): Promise<string> {
  const page = await browser.context.newPage();
  try {
    await page.goto(authorizationUrl);
    if (page.url().startsWith(places.oidcIssuer)) {
      await page.getByLabel("Email").fill(person.email);
      await page.getByLabel("Password").fill(person.password);
      await page.getByRole("button", { name: "Sign in" }).click();
    }
    await page.waitForURL((url) => url.href.startsWith(`${places.publicUrl}/callback`));
    await page.locator('button[name="decision"][value="approve"]').click();
    await page.waitForURL((url) => url.href.startsWith(places.clientCallback));
    return await page.locator("body").innerText();
  } finally {
    const closed = await withinMs(page.close(), STEP_TIMEOUT_MS);
    if (closed === TIMED_OUT) console.warn("a Chromium tab did not close; it goes with the browser");
  }
}
