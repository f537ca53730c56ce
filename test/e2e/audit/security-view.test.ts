// The security team's view through the whole real product on 127.0.0.1 (`wrangler dev`, the
// local OpenID provider, the Secret Server stand-in, the alert receiver of dev/alert-receiver): a
// ticket is redeemed and then replayed with plain HTTP; within seconds a signed alert reaches the
// receiver, its signature verifies and it holds no value and no ticket. In headless Chromium, a
// viewer signs in through the OpenID provider, finds the replay highlighted on /audit, opens the
// ticket's life and exports CSV; a non-viewer gets the 403 page.
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../../dev/alert-receiver/verify-signature.ts";
import { startAlertReceiver, type AlertReceiver, type ReceivedAlert } from "../../../dev/alert-receiver/server.ts";
import { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { findLeaks, type Haystack } from "../support/leak-scan.ts";
import { signInToMcp, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { getSecretVariable, ticketsIn, type SnippetAnswer } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { recordTranscript } from "../support/transcript.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // the viewer; may use db/**
const BOB = { username: "bob@demo.test", password: DEFAULT_BOB_PASSWORD }; // neither
const ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**"] }];
const ALERT_SECRET = `e2e-alerts-${crypto.randomUUID()}`;
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
/** "Within seconds": the outbox alarm fires at once; a busy 2-core machine gets some slack. */
const ALERT_WITHIN_MS = 10_000;
const MIN_SECRET_CHARS = 6;
const SCREENSHOT = join(tmpdir(), `claimcheck-audit-page-${process.pid}.png`);

let stack: McpStack;
let receiver: AlertReceiver;
let seeded: SeededValues;
let alice: SignedIn;
let browser: Browser;
let viewerContext: BrowserContext;
let outsiderContext: BrowserContext;
let answer: SnippetAnswer;
let ticket: string;
const haystacks: Haystack[] = [];
const transcript = recordTranscript();

beforeAll(async () => {
  seeded = await loadSeededValues();
  receiver = await startAlertReceiver({ secret: ALERT_SECRET });
  stack = await startMcpStack({
    accessPolicy: ACCESS_POLICY,
    extraWorkerVars: {
      AUDIT_VIEWERS: JSON.stringify({ emails: [ALICE.username] }),
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_WEBHOOK_SECRET: ALERT_SECRET,
    },
  });
  alice = await signInToMcp(stack, ALICE, { clientName: "E2E audit agent", fetch: transcript.fetch });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
  viewerContext = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  outsiderContext = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  for (const context of [viewerContext, outsiderContext]) context.setDefaultTimeout(15_000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await alice?.client.close();
  await stack?.close();
  await receiver?.close();
});

function redeem(): Promise<Response> {
  return fetch(`${stack.publicUrl}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${ticket}` }, redirect: "manual" });
}

/** Opens `path`, signing in at the OpenID provider as `user` when sent there; resolves on the page with its status. */
async function openSignedIn(context: BrowserContext, user: typeof ALICE, path: string): Promise<{ page: Page; status: number }> {
  const url = `${stack.publicUrl}${path}`;
  const page = await context.newPage();
  const served = page.waitForResponse((r) => r.url() === url && r.request().method() === "GET" && (r.status() < 300 || r.status() >= 400));
  await page.goto(url);
  if (page.url().startsWith(stack.idp.issuer)) {
    await page.getByLabel("Email").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.waitForURL(url);
  const status = (await served).status();
  haystacks.push({ source: `${path} for ${user.username} (${status})`, text: await page.content() });
  return { page, status };
}

describe("a replayed ticket", () => {
  let alert: ReceivedAlert;

  it("is refused, and reaches the receiver within seconds as a signed alert", async () => {
    answer = await getSecretVariable(alice.client, { secret_path: "db/prod", shell: "bash" });
    [{ ticket }] = ticketsIn(answer.script) as [{ ticket: string; key: string }];
    expect(await (await redeem()).text()).toBe(seeded.valueOf(11, "password"));
    const replayedAt = Date.now();
    expect((await redeem()).status).toBe(401);
    while (!(alert = receiver.received().find((a) => (a.json as { event?: string; ticket_id?: string } | undefined)?.ticket_id === answer.ticket_id && a.body.includes('"replay"'))!)) {
      expect(Date.now() - replayedAt, "no replay alert arrived").toBeLessThan(ALERT_WITHIN_MS);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(alert.verified).toBe(true);
    expect(verifySignature(alert.body, alert.signature, ALERT_SECRET)).toBe(true);
    expect(verifySignature(alert.body, alert.signature, "another secret")).toBe(false);
  });

  it("says what happened, to which ticket, and links to its life; it holds no value and no ticket", () => {
    expect(alert.json).toMatchObject({
      event: "replay",
      outcome: "used",
      email: ALICE.username,
      secret_path: "db/prod",
      ticket_id: answer.ticket_id,
      audit_url: `${stack.publicUrl}/audit/tickets/${answer.ticket_id}`,
    });
    const needles = [...seeded.needles(MIN_SECRET_CHARS), ...ticketsIn(answer.script).flatMap((t) => [{ label: "ticket", value: t.ticket }, { label: "ticket key", value: t.key }])];
    expect(findLeaks([{ source: "alert body", text: alert.body }], needles)).toEqual([]);
  });
});

describe("the audit page in a browser", () => {
  it("signs a viewer in, shows the replay highlighted, opens the ticket's life and exports CSV", async () => {
    const { page, status } = await openSignedIn(viewerContext, ALICE, "/audit");
    expect(status).toBe(200);
    const replayRow = page.locator("tr.flag", { hasText: answer.ticket_id }).filter({ hasText: "replay" });
    await replayRow.first().waitFor();
    expect(await replayRow.first().evaluate((tr) => getComputedStyle(tr.querySelector("td")!).backgroundColor)).not.toBe("rgba(0, 0, 0, 0)");
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    console.log(`audit page screenshot: ${SCREENSHOT}`);

    await replayRow.first().getByRole("link", { name: answer.ticket_id }).click();
    await page.waitForURL(`${stack.publicUrl}/audit/tickets/${answer.ticket_id}`);
    const life = await page.locator("ol.life li .event").allInnerTexts();
    expect(life.map((e) => e.replace(/^\W+/, ""))).toEqual(["mint", "redeem", "replay"]);
    haystacks.push({ source: "ticket life page", text: await page.content() });

    await page.goto(`${stack.publicUrl}/audit?ticket_id=${answer.ticket_id}`);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^claimcheck-audit-.*\.csv$/);
    const csv = await readFile((await download.path())!, "utf8");
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("id,at,event,outcome,subject,email,client_id,session,secret_id,secret_path,field,ticket_id,client_ip,user_agent,detail");
    expect(lines.slice(1).map((l) => l.split(",")[2])).toEqual(["replay", "redeem", "mint"]);
    haystacks.push({ source: "CSV export", text: csv });
  });

  it("gives a signed-in non-viewer the 403 page, naming nothing from the trail", async () => {
    const { page, status } = await openSignedIn(outsiderContext, BOB, "/audit");
    expect(status).toBe(403);
    await page.getByRole("heading", { name: "You cannot view the audit trail" }).waitFor();
    expect(await page.content()).not.toContain(answer.ticket_id);
  });

  it("showed no value and no ticket on any page or export", () => {
    const needles = [...seeded.needles(MIN_SECRET_CHARS), { label: "ticket", value: ticket }, { label: "ticket key", value: ticketsIn(answer.script)[0]!.key }];
    expect(haystacks.length).toBeGreaterThanOrEqual(4);
    expect(findLeaks(haystacks, needles)).toEqual([]);
  });
});
