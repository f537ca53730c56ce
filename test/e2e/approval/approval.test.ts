// A secret whose policy rule says `"approval": "self"`, through the whole real product on
// 127.0.0.1 (`wrangler dev`, the local OpenID provider, the Secret Server stand-in): the real MCP
// SDK client asks for it, the script the tool returns waits in a real shell (bash, zsh, fish)
// while a person decides on the approval page in headless Chromium, signed in through the same
// OpenID provider. Approve: the variable gets the value byte for byte. Deny: the script stops
// without it. Someone else: refused, and the request stays open. At the end everything the run
// left behind is searched for secret values. One stack for the file; tests run in order and the
// last one reads what the earlier ones did.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { settledAuditRows, type AuditRow } from "../support/audit-rows.ts";
import { findLeaks, type Haystack } from "../support/leak-scan.ts";
import { signInToMcp, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { SnippetAnswer, ticketsIn } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { probesFor, type RealShell } from "../support/shell-session.ts";
import { recordTranscript } from "../support/transcript.ts";
import { startBackgroundShell, type BackgroundShell } from "./background-shell.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // groups engineering, db-admins
const BOB = { username: "bob@demo.test", password: DEFAULT_BOB_PASSWORD }; // group contractors
// Per-stack policy: every db/ secret Alice asks for waits for her own confirmation. Bob may ask
// for nothing, so he can only ever be a stranger to her requests.
const ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**"], approval: "self" }];
const TRICKY = { secret_path: "db/tricky", id: 16, slug: "password", variable: "TRICKY_PASSWORD" };
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
/** How long a waiting script must stay waiting before anyone decides. */
const STILL_WAITING_MS = 3_000;
/** After a decision: curl's next poll (Retry-After: 2 s) and the redemption itself. */
const FINISHES_WITHIN_MS = 15_000;
const MIN_SECRET_CHARS = 6;
/**
 * The shortest approval window the Worker accepts (src/config.ts). The stack runs with it so one
 * request can expire within the file's run: it is started first and checked last, and every other
 * request here is decided within seconds of being made.
 */
const APPROVAL_TIMEOUT_SECONDS = 60;
const SCREENSHOT = join(tmpdir(), `claimcheck-approval-page-${process.pid}.png`);

const ApprovalAnswer = SnippetAnswer.extend({
  approval: z.object({
    status: z.literal("pending"),
    url: z.url(),
    expires_at: z.iso.datetime(),
    approvers: z.string(),
  }),
});
type ApprovalAnswer = z.infer<typeof ApprovalAnswer>;

// Everything the run left behind, searched at the end.
const handedOut: ApprovalAnswer[] = [];
const pageHtml: Haystack[] = [];
const shells: BackgroundShell[] = [];
const otherAnswers: Haystack[] = [];
const transcript = recordTranscript();
let stack: McpStack;
let seeded: SeededValues;
let alice: SignedIn;
let browser: Browser;
let alicesBrowser: BrowserContext;
let bobsBrowser: BrowserContext;

beforeAll(async () => {
  seeded = await loadSeededValues();
  stack = await startMcpStack({
    accessPolicy: ACCESS_POLICY,
    extraWorkerVars: { APPROVAL_TIMEOUT_SECONDS: String(APPROVAL_TIMEOUT_SECONDS) },
  });
  alice = await signInToMcp(stack, ALICE, { clientName: "E2E approval agent", fetch: transcript.fetch });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
  // One context per person: separate cookie jars, so separate claimcheck browser sessions.
  alicesBrowser = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  bobsBrowser = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  for (const context of [alicesBrowser, bobsBrowser]) context.setDefaultTimeout(15_000);
}, 90_000);

afterAll(async () => {
  for (const shell of shells) await shell.stop();
  await browser?.close();
  await alice?.client.close();
  await stack?.close();
});

async function askForTricky(shell: RealShell): Promise<ApprovalAnswer> {
  const result = await alice.client.callTool({
    name: "get_secret_environment_variable",
    arguments: { secret_path: TRICKY.secret_path, shell },
  });
  if (result.isError) throw new Error(`get_secret_environment_variable failed: ${JSON.stringify(result.content)}`);
  const answer = ApprovalAnswer.parse(result.structuredContent);
  handedOut.push(answer);
  return answer;
}

/** The snippet, then probes of what it left; the shell exits with the snippet's own status. */
function sessionLines(shell: RealShell, answer: ApprovalAnswer): string[] {
  const probe = probesFor(shell);
  const variable = answer.variables[0]!;
  return [
    answer.script,
    probe.status("status"),
    probe.value(variable, "value"),
    probe.isSet(variable, "set"),
    shell === "fish" ? "exit (cat status)" : 'exit "$(cat status)"',
  ];
}

async function startWaitingShell(shell: RealShell, answer: ApprovalAnswer): Promise<BackgroundShell> {
  const session = await startBackgroundShell(shell, sessionLines(shell, answer));
  shells.push(session);
  return session;
}

/** The script announced the approval link on stderr and is still waiting STILL_WAITING_MS later. */
async function expectWaiting(session: BackgroundShell, answer: ApprovalAnswer): Promise<void> {
  const started = Date.now();
  const notice = `claimcheck: waiting for approval: ${answer.approval.url}`;
  while (!session.stderr().includes(notice) && Date.now() - started < STILL_WAITING_MS) await sleep(50);
  expect(session.stderr()).toContain(notice);
  await sleep(Math.max(0, STILL_WAITING_MS - (Date.now() - started)));
  expect(session.status(), `${session.shell} finished before anyone decided; stderr:\n${session.stderr()}`).toBeUndefined();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens the approval link in `context`; signs in at the OpenID provider when sent there; resolves
 * on the approval page with the HTTP status it was served with. The page's HTML joins the leak scan.
 */
async function openApprovalPage(
  context: BrowserContext,
  user: typeof ALICE,
  url: string,
): Promise<{ page: Page; status: number; headers: Record<string, string>; signedIn: boolean }> {
  const page = await context.newPage();
  // The page itself, not the redirect to the provider that the same URL answers without a session.
  const served = page.waitForResponse((r) => r.url() === url && r.request().method() === "GET" && (r.status() < 300 || r.status() >= 400));
  await page.goto(url);
  const signedIn = page.url().startsWith(stack.idp.issuer);
  if (signedIn) {
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await page.waitForURL(url);
  const response = await served;
  const status = response.status();
  const headers = await response.allHeaders();
  pageHtml.push({ source: `approval page for ${user.username} (${status})`, text: await page.content() });
  return { page, status, headers, signedIn };
}

/** Presses Approve or Deny; resolves once the page confirms the decision. */
async function decide(page: Page, decision: "approve" | "deny"): Promise<void> {
  await page.locator(`button[name="decision"][value="${decision}"]`).click();
  const confirmation = decision === "approve" ? "Approved. The agent's script continues on its own." : "Denied. The agent's script stops without the secret.";
  await page.getByText(confirmation).waitFor();
  pageHtml.push({ source: `approval page after ${decision}`, text: await page.content() });
}

function redeemOnce(ticket: string): Promise<Response> {
  return fetch(`${stack.publicUrl}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${ticket}` }, redirect: "manual" });
}

function ticketOf(answer: ApprovalAnswer): string {
  const [found] = ticketsIn(answer.script);
  if (found === undefined) throw new Error("the script holds no ticket");
  return found.ticket;
}

// Made first and left alone; the last tests but the leak scan see how it ended.
let unanswered: { answer: ApprovalAnswer; session: BackgroundShell; askedAt: number };

describe("a request nobody decides", () => {
  it("is announced and waits (its end is checked after the other tests)", async () => {
    const askedAt = Date.now();
    const answer = await askForTricky("zsh");
    expect(Date.parse(answer.approval.expires_at) - askedAt).toBeGreaterThan((APPROVAL_TIMEOUT_SECONDS - 5) * 1000);
    expect(Date.parse(answer.approval.expires_at) - askedAt).toBeLessThanOrEqual((APPROVAL_TIMEOUT_SECONDS + 5) * 1000);
    const session = await startWaitingShell("zsh", answer);
    unanswered = { answer, session, askedAt };
    await expectWaiting(session, answer);
  });
});

describe("self approval: the requester confirms in the browser, the waiting script continues", () => {
  it.each(["bash", "zsh", "fish"] as const)("%s: waits, then sets db/tricky's password byte for byte once Alice approves", async (shell) => {
    const answer = await askForTricky(shell);
    expect(answer.approval.status).toBe("pending");
    expect(answer.approval.approvers).toBe("self");
    expect(answer.approval.url.startsWith(`${stack.publicUrl}/approvals/`)).toBe(true);
    expect(answer.variables).toEqual([TRICKY.variable]);

    const session = await startWaitingShell(shell, answer);
    await expectWaiting(session, answer);

    const { page, status, headers, signedIn } = await openApprovalPage(alicesBrowser, ALICE, answer.approval.url);
    expect(status).toBe(200);
    // A page with an Approve button must never sit in someone else's frame (clickjacking) or a cache.
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["cache-control"]).toContain("no-store");
    // Her first visit has no claimcheck browser session: the link sends her to the provider first.
    expect(signedIn).toBe(shell === "bash");
    const text = await page.locator("body").innerText();
    expect(text).toContain("Do you want your agent to get this secret now?");
    expect(text).toContain("Signed in as alice@demo.test");
    expect(text).toContain(TRICKY.secret_path);
    expect(text).toContain(answer.ticket_id);
    if (shell === "bash") {
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`approval page screenshot (before Approve): ${SCREENSHOT}`);
    }
    await decide(page, "approve");
    await page.close();

    expect(await session.finishedWithin(FINISHES_WITHIN_MS)).toBe(0);
    expect(await session.bytes("value")).toEqual(Buffer.from(seeded.valueOf(TRICKY.id, TRICKY.slug)));
    expect(await session.text("set")).toBe("set\n");
    expect(session.stderr()).not.toMatch(/APPROVAL_DENIED|redemption failed/);
  });
});

describe("deny: the requester refuses, the waiting script stops without the secret", () => {
  it("bash exits non-zero with the variable unset and APPROVAL_DENIED on stderr", async () => {
    const answer = await askForTricky("bash");
    const session = await startWaitingShell("bash", answer);
    await expectWaiting(session, answer);

    const { page } = await openApprovalPage(alicesBrowser, ALICE, answer.approval.url);
    const csrf = await page.locator('input[name="csrf"]').inputValue();
    await decide(page, "deny");
    await page.close();
    // The decision is final: an Approve posted afterwards, with Alice's own session and CSRF token, changes nothing.
    const reversal = await alicesBrowser.request.post(answer.approval.url, { form: { csrf, decision: "approve" }, maxRedirects: 0 });
    const reversalPage = await reversal.text();
    pageHtml.push({ source: "approval page after a late approve", text: reversalPage });
    expect(reversalPage).toContain("This request was already decided, or is no longer open. Nothing was changed.");
    expect(reversalPage).toContain("This request was denied; the script has stopped.");

    const status = await session.finishedWithin(FINISHES_WITHIN_MS);
    expect(status).not.toBe(0);
    expect(status).not.toBeNull();
    expect(await session.text("set")).toBe("unset\n");
    expect(await session.bytes("value")).toEqual(Buffer.alloc(0));
    expect(session.stderr()).toContain("APPROVAL_DENIED");
  });
});

describe("someone else opens a self-approval link", () => {
  it("Bob is refused with 403 and no buttons; the ticket stays pending, and Alice can still approve it", async () => {
    const answer = await askForTricky("bash");
    const ticket = ticketOf(answer);

    const { page, status, signedIn } = await openApprovalPage(bobsBrowser, BOB, answer.approval.url);
    expect(signedIn).toBe(true);
    expect(status).toBe(403);
    const text = await page.locator("body").innerText();
    expect(text).toContain("You cannot decide this request");
    expect(text).toContain("Signed in as bob@demo.test");
    expect(text).not.toContain(TRICKY.secret_path); // nothing about the request
    expect(await page.locator('button[name="decision"]').count()).toBe(0);
    // No oracle: a made-up approval id under the same routing part gets the very same page.
    const forged = answer.approval.url.replace(/[^/]{22}$/, "A".repeat(22));
    expect(forged).not.toBe(answer.approval.url);
    const madeUp = await openApprovalPage(bobsBrowser, BOB, forged);
    expect(madeUp.status).toBe(403);
    expect(await madeUp.page.locator("main").innerText()).toBe(await page.locator("main").innerText());
    await madeUp.page.close();

    // A decision posted anyway, with Bob's session cookie, is refused too.
    const forms: Record<string, string>[] = [{ decision: "approve" }, { decision: "approve", csrf: "A".repeat(43) }];
    for (const form of forms) {
      const posted = await bobsBrowser.request.post(answer.approval.url, { form, maxRedirects: 0, failOnStatusCode: false });
      expect(posted.status()).toBeGreaterThanOrEqual(400);
      otherAnswers.push({ source: `Bob's POST ${JSON.stringify(form)}`, text: await posted.text() });
    }
    await page.close();

    const pending = await redeemOnce(ticket);
    expect(pending.status).toBe(503);
    expect(pending.headers.get("Retry-After")).toBe("2");
    otherAnswers.push({ source: "POST /redeem while pending", text: `${[...pending.headers].join("\n")}\n${await pending.text()}` });

    // Still Alice's to decide: she approves, and the very same ticket now redeems the value.
    const mine = await openApprovalPage(alicesBrowser, ALICE, answer.approval.url);
    expect(mine.status).toBe(200);
    await decide(mine.page, "approve");
    await mine.page.close();
    const redeemed = await redeemOnce(ticket);
    expect(redeemed.status).toBe(200);
    expect(Buffer.from(await redeemed.arrayBuffer())).toEqual(Buffer.from(seeded.valueOf(TRICKY.id, TRICKY.slug)));
  });
});

describe("expiry: nobody decided within APPROVAL_TIMEOUT_SECONDS", () => {
  it("the waiting script stops on its own with the variable unset and APPROVAL_EXPIRED; the page says so", { timeout: 120_000 }, async () => {
    const { answer, session, askedAt } = unanswered;
    const deadline = askedAt + APPROVAL_TIMEOUT_SECONDS * 1000;
    if (Date.now() < deadline - 1_000) expect(session.status(), "stopped before the approval deadline").toBeUndefined();
    const status = await session.finishedWithin(Math.max(0, deadline - Date.now()) + FINISHES_WITHIN_MS);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 2_000); // it waited the whole window
    expect(status).not.toBe(0);
    expect(status).not.toBeNull();
    expect(await session.text("set")).toBe("unset\n");
    expect(session.stderr()).toContain("APPROVAL_EXPIRED");

    // Too late to approve: the page shows no buttons, and the ticket redeems nothing.
    const { page } = await openApprovalPage(alicesBrowser, ALICE, answer.approval.url);
    expect(await page.locator('button[name="decision"]').count()).toBe(0);
    expect(await page.locator("body").innerText()).toContain("This request has expired.");
    await page.close();
    const late = await redeemOnce(ticketOf(answer));
    expect(late.status).toBe(403);
    otherAnswers.push({ source: "POST /redeem after expiry", text: await late.text() });
  });
});

describe("what the run left behind", () => {
  let rows: AuditRow[];
  let haystacks: Haystack[];

  beforeAll(async () => {
    await alice.client.close(); // ends the open streams, so every transcript body is complete
    rows = await settledAuditRows(stack.worker.persistTo);
    const exchanges = await transcript.exchanges();
    haystacks = [
      ...exchanges.map((e, i) => ({ source: `MCP transcript #${i} ${e.method} ${e.url}`, text: JSON.stringify(e) })),
      ...pageHtml,
      ...shells.flatMap((s, i) => [
        { source: `shell ${i} (${s.shell}) stderr`, text: s.stderr() },
        { source: `shell ${i} (${s.shell}) stdout`, text: s.stdout() },
      ]),
      ...otherAnswers,
      { source: "Worker output", text: stack.worker.logs() },
      ...rows.map((r) => ({ source: `audit row ${r.id}`, text: JSON.stringify(r) })),
    ];
  });

  it("holds no seeded secret value or Worker credential: transcript, approval pages, shells' output, Worker log, audit", () => {
    const needles = [
      ...seeded.needles(MIN_SECRET_CHARS),
      ...stack.workerCredentials.map((value, i) => ({ label: `Worker credential ${i}`, value })),
    ];
    expect(handedOut).toHaveLength(6);
    expect(pageHtml.length).toBeGreaterThanOrEqual(12);
    expect(shells).toHaveLength(5);
    expect(findLeaks(haystacks, needles)).toEqual([]);
    // The scan itself finds what it looks for: the tricky value, cut at its newline, as JSON would carry it.
    const tricky = seeded.valueOf(TRICKY.id, TRICKY.slug);
    expect(findLeaks([{ source: "control", text: JSON.stringify({ v: tricky.split("\n")[1] }) }], needles)).not.toEqual([]);
  });

  it("shows no ticket anywhere but the tool answer that handed it out", () => {
    const needles = handedOut.flatMap((a, i) => ticketsIn(a.script).flatMap(({ ticket, key }) => [
      { label: `ticket ${i}`, value: ticket },
      { label: `ticket ${i}'s key`, value: key },
    ]));
    expect(needles).toHaveLength(2 * handedOut.length);
    const outsideTranscript = haystacks.filter((h) => !h.source.startsWith("MCP transcript"));
    expect(findLeaks(outsideTranscript, needles)).toEqual([]);
  });

  it("the audit trail records each decision with the person who made it", () => {
    const trail = (answer: ApprovalAnswer) =>
      rows.filter((r) => r.ticket_id === answer.ticket_id).map((r) => `${r.event}:${r.outcome}`);
    const [expired, bash, zsh, fish, denied, strangers] = handedOut;
    for (const approved of [bash!, zsh!, fish!, strangers!]) {
      expect(trail(approved), `audit trail of ${approved.ticket_id}`).toEqual(expect.arrayContaining(["approved:ok", "redeem:ok"]));
    }
    expect(trail(denied!)).toContain("denied:denied");
    expect(trail(denied!)).not.toContain("redeem:ok");
    expect(trail(expired!).some((e) => e.includes("approval_expired")), trail(expired!).join(", ")).toBe(true);
    expect(trail(expired!)).not.toContain("redeem:ok");
    const decisions = rows.filter((r) => r.event === "approved" || r.event === "denied");
    expect(decisions).toHaveLength(5);
    for (const row of decisions) expect(row.detail ?? "").toContain("alice@demo.test");
  });
});
