// Secret Server misbehaving under a real agent session (wrangler dev, the local OpenID provider,
// the stand-in, the MCP SDK client, the scripts run in bash): it goes down, stops answering,
// throttles, throws 500s, refuses the Worker's token, answers malformed JSON or megabytes. For each
// fault: the agent gets a clear error (a tool error, or the script's stderr line and a non-zero
// status), nothing waits longer than the Secret Server client's documented bound, no ticket is
// burned (the same script redeems once the fault is over, and only once), the audit records the
// failure, and the Worker recovers by itself: it is never restarted here. One stack for the file;
// tests run in order and the last ones read what the earlier ones did.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { startSecretServer, type FaultRequest, type RunningSecretServer } from "../../../dev/secret-server/server.ts";
import { ClaimcheckError, type ErrorCode } from "../../../src/errors.ts";
import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "../../../src/secret-server/transport.ts";
import type { AuditRow } from "../support/audit-rows.ts";
import type { Haystack } from "../support/leak-scan.ts";
import { signInToMcp, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { getSecretVariable, ticketsIn, toolErrorText, type SnippetAnswer } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir, probesFor, type ShellWorkdir } from "../support/shell-session.ts";
import { recordTranscript } from "../support/transcript.ts";
import { createRunEvidence, HANDED_OUT_BY, secretLeaks, ticketHolders } from "./run-evidence.ts";
import { injectFaults } from "./stand-in-faults.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // group db-admins
const ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**"] }];
const REQUEST = { secret_path: "db/prod", shell: "bash" };
const VARIABLE = "PROD_PASSWORD";
/** Where a redemption of db/prod's password reads (src/secret-server/read-field.ts): faults aimed here spare the mint's lookups. */
const READ_PATH = "/api/v1/secrets/11/restricted/fields/password";
/** The mint's exact-name search for db/prod (src/secret-server/find-secret.ts); folders and templates come from cache. */
const SEARCH_PATH = "/api/v1/secrets";

/** The client's backoff ceilings between attempts (src/secret-server/transport.ts: 100 ms × 2^n, not exported). */
const BACKOFF_CEILINGS_MS = [100, 200];
/**
 * The documented worst case of one Secret Server call (src/secret-server/transport.ts): every
 * attempt runs into the per-attempt timeout, with the longest backoff between attempts.
 */
const ONE_CALL_BOUND_MS = (DEFAULT_MAX_RETRIES + 1) * DEFAULT_TIMEOUT_MS + BACKOFF_CEILINGS_MS.reduce((a, b) => a + b, 0);
/** bash and curl starting, wrangler dev's proxy, the audit write, a busy shared 2-core machine. */
const SLACK_MS = 3_000;
const WAIT_BOUND_MS = ONE_CALL_BOUND_MS + SLACK_MS;

type FaultEntry = NonNullable<FaultRequest["faults"]>[number];

let stack: McpStack;
/** The stand-in the Worker talks to: replaced by a new one on the same port when an outage ends. */
let standIn: RunningSecretServer;
let workerPid: number | undefined;
let seeded: SeededValues;
let alice: SignedIn;
let shell: ShellWorkdir;
const transcript = recordTranscript();
const evidence = createRunEvidence();
/** Every script handed out, with the audit trail its ticket must leave. */
const handedOut: { answer: SnippetAnswer; trail: string[] }[] = [];
/** The outcome of each mint refused by a fault, in order: each must have its upstream_error row. */
const refusedMints: string[] = [];

beforeAll(async () => {
  seeded = await loadSeededValues();
  stack = await startMcpStack({ accessPolicy: ACCESS_POLICY });
  standIn = stack.secretServer;
  workerPid = stack.worker.pid();
  shell = await makeShellWorkdir();
  alice = await signInToMcp(stack, ALICE, { clientName: "E2E agent under faults", fetch: transcript.fetch });
});

afterAll(async () => {
  await alice?.client.close();
  await shell?.remove();
  if (standIn !== stack?.secretServer) await standIn?.close();
  await stack?.close();
});

const upstreamError = (code: ErrorCode) => `upstream_error:${code}`;
const toolText = (code: ErrorCode) => `${code}: ${new ClaimcheckError(code).message}`;
const elapsedSince = (start: number) => performance.now() - start;

/** Secret Server goes away: nothing listens on its port, open connections are cut. */
async function takeDown(): Promise<void> {
  await standIn.close();
}

/** Secret Server comes back on the same port, freshly started: the Worker's token means nothing to it. */
async function bringBack(): Promise<void> {
  standIn = await startSecretServer({ port: standIn.port });
}

/** `fault` for the next `count` answers to redemption reads. */
function faultReads(fault: FaultEntry, count: number): Promise<void> {
  return injectFaults(standIn.url, { faults: [{ ...fault, count, path: READ_PATH }] });
}

/** `fault` for the next `attempts` redemptions, `perAttempt` answers each (the client's retries use some). */
function failReads(fault: FaultEntry, perAttempt: number) {
  return (attempts: number) => faultReads(fault, perAttempt * attempts);
}

async function mint(trail: string[]): Promise<SnippetAnswer> {
  const answer = await getSecretVariable(alice.client, REQUEST);
  handedOut.push({ answer, trail });
  return answer;
}

type ScriptRun = { status: string; value: Buffer; output: string; ms: number };

let sessions = 0;
/** Runs the script in bash as the agent would; reads back its status and the variable's bytes. */
async function runScript(answer: SnippetAnswer, label: string): Promise<ScriptRun> {
  const n = ++sessions;
  const probe = probesFor("bash");
  const start = performance.now();
  const { output } = await shell.run("bash", [answer.script, probe.status(`status-${n}`), probe.value(VARIABLE, `value-${n}`)]);
  const ms = elapsedSince(start);
  evidence.keepShellOutput(`bash session ${n} (${label})`, output);
  return { status: (await shell.text(`status-${n}`)).trim(), value: await shell.bytes(`value-${n}`), output, ms };
}

/** POST /redeem with the script's ticket, as curl sends it; the answer is kept for the leak scan. */
async function redeemOverHttp(answer: SnippetAnswer, label: string) {
  const [found] = ticketsIn(answer.script);
  if (found === undefined) throw new Error("the script holds no ticket");
  const start = performance.now();
  const response = await fetch(`${stack.publicUrl}/redeem`, {
    method: "POST",
    headers: { Authorization: `Bearer ${found.ticket}` },
    signal: AbortSignal.timeout(2 * WAIT_BOUND_MS),
  });
  const body = await evidence.keepHttpAnswer(`HTTP answer (${label})`, response);
  return { status: response.status, headers: response.headers, body, ms: elapsedSince(start) };
}

async function expectRedeemsOnceAfterwards(answer: SnippetAnswer, label: string): Promise<void> {
  const retried = await runScript(answer, `${label}: after the fault`);
  expect(retried.status, retried.output).toBe("0");
  expect(retried.value).toEqual(Buffer.from(seeded.valueOf(11, "password")));
  const replayed = await runScript(answer, `${label}: run again`);
  expect(replayed.status).not.toBe("0");
  expect(replayed.value.length).toBe(0);
}

type FailingFault = {
  name: string;
  /** Makes Secret Server misbehave for the next `attempts` redemptions. */
  start(attempts: number): Promise<void>;
  /** Brings Secret Server back; none when the fault wears off by itself, as a burst does. */
  end?(): Promise<void>;
  /** What /redeem answers meanwhile. */
  code: ErrorCode;
  status: number;
  retryAfter?: string;
  /** Failed redemptions over HTTP before the script's own: a burst outlasts one attempt. */
  httpAttempts: number;
  /** Faster than this, the client would have given up before its timeout. */
  atLeastMs?: number;
};

const FAILING: FailingFault[] = [
  {
    name: "Secret Server down (nothing listens on its port)",
    start: takeDown,
    end: bringBack,
    code: "UPSTREAM_UNAVAILABLE",
    status: 502,
    httpAttempts: 1,
  },
  {
    name: "Secret Server silent past the client's timeout on every attempt",
    start: failReads({ kind: "hang" }, DEFAULT_MAX_RETRIES + 1),
    code: "UPSTREAM_UNAVAILABLE",
    status: 502,
    httpAttempts: 0, // one wait of the whole bound is enough
    atLeastMs: (DEFAULT_MAX_RETRIES + 1) * DEFAULT_TIMEOUT_MS,
  },
  {
    name: "429 with a Retry-After longer than a redemption waits",
    start: failReads({ kind: "status", status: 429, retryAfter: 30 }, 1),
    code: "RATE_LIMITED",
    status: 429,
    retryAfter: "30",
    httpAttempts: 1,
  },
  {
    name: "a burst of 500s that fails three redemptions in a row",
    start: failReads({ kind: "status", status: 500 }, 1),
    code: "UPSTREAM_UNAVAILABLE",
    status: 502,
    httpAttempts: 2,
  },
  {
    name: "the Worker's token revoked mid-run, and the fresh one refused too",
    start: failReads({ kind: "auth-failed" }, 2),
    code: "UPSTREAM_UNAVAILABLE",
    status: 502,
    httpAttempts: 1,
  },
  { name: "malformed JSON", start: failReads({ kind: "malformed-json" }, 1), code: "UPSTREAM_BAD_RESPONSE", status: 502, httpAttempts: 1 },
  { name: "a huge answer (8 MiB)", start: failReads({ kind: "huge-body" }, 1), code: "UPSTREAM_BAD_RESPONSE", status: 502, httpAttempts: 1 },
];

describe("a fault at redemption fails the script clearly and costs no ticket", () => {
  it.each(FAILING)("$name", async (fault) => {
    const failures = fault.httpAttempts + 1;
    const answer = await mint(["mint:ok", ...Array<string>(failures).fill(upstreamError(fault.code)), "redeem:ok", "replay:used"]);
    await fault.start(failures);

    for (let i = 1; i <= fault.httpAttempts; i++) {
      const http = await redeemOverHttp(answer, `${fault.name}, attempt ${i}`);
      expect(http.status).toBe(fault.status);
      expect(JSON.parse(http.body)).toEqual(new ClaimcheckError(fault.code).toJSON());
      expect(http.headers.get("Retry-After")).toBe(fault.retryAfter ?? null);
      expect(http.headers.get("Cache-Control")).toBe("no-store");
      expect(http.ms).toBeLessThan(WAIT_BOUND_MS);
    }
    const failed = await runScript(answer, `${fault.name}: during the fault`);
    expect(failed.status).not.toBe("0");
    expect(failed.output).toContain(`curl: (22) The requested URL returned error: ${fault.status}`);
    expect(failed.output).toContain(`claimcheck: redemption failed; ${VARIABLE} is not set`);
    expect(failed.value.length).toBe(0);
    expect(failed.ms).toBeLessThan(WAIT_BOUND_MS);
    if (fault.atLeastMs !== undefined) expect(failed.ms).toBeGreaterThanOrEqual(fault.atLeastMs);

    // Secret Server recovers (an outage ends; a burst is spent, each attempt having used exactly
    // its share); nobody touches the Worker.
    if (fault.end) await fault.end();
    else expect(standIn.stats().pendingFaults).toBe(0);
    await expectRedeemsOnceAfterwards(answer, fault.name);
  });
});

type AbsorbedFault = {
  name: string;
  start(): Promise<void>;
  /** Token requests the redemption makes (a revoked token is replaced). */
  tokenRequests: number;
  atLeastMs?: number;
};

const ABSORBED: AbsorbedFault[] = [
  {
    name: "the Worker's token revoked mid-run: it asks for a new one",
    start: () => injectFaults(standIn.url, { expireTokens: true }),
    tokenRequests: 1,
  },
  {
    name: "429 with Retry-After: 1, waited out",
    start: () => faultReads({ kind: "status", status: 429, retryAfter: 1 }, 1),
    tokenRequests: 0,
    atLeastMs: 1_000,
  },
  {
    name: "one attempt past the timeout, then an answer",
    start: () => faultReads({ kind: "hang" }, 1),
    tokenRequests: 0,
    atLeastMs: DEFAULT_TIMEOUT_MS,
  },
  { name: "two 503s, retried", start: () => faultReads({ kind: "status", status: 503 }, 2), tokenRequests: 0 },
];

describe("a fault the Secret Server client absorbs within its bound", () => {
  it.each(ABSORBED)("$name", async (fault) => {
    const answer = await mint(["mint:ok", "redeem:ok", "replay:used"]);
    await fault.start();
    const tokensBefore = standIn.stats().tokenRequests;

    const run = await runScript(answer, fault.name);
    expect(run.status, run.output).toBe("0");
    expect(run.value).toEqual(Buffer.from(seeded.valueOf(11, "password")));
    expect(run.ms).toBeLessThan(WAIT_BOUND_MS);
    if (fault.atLeastMs !== undefined) expect(run.ms).toBeGreaterThanOrEqual(fault.atLeastMs);
    expect(standIn.stats().pendingFaults).toBe(0);
    expect(standIn.stats().tokenRequests - tokensBefore).toBe(fault.tokenRequests);

    const replayed = await runScript(answer, `${fault.name}: run again`);
    expect(replayed.status).not.toBe("0");
  });
});

type MintFault = { name: string; start(): Promise<void>; end?(): Promise<void>; code: ErrorCode };

const searchFault = (fault: FaultEntry) => () => injectFaults(standIn.url, { faults: [{ ...fault, path: SEARCH_PATH }] });

const MINT_FAULTS: MintFault[] = [
  { name: "Secret Server down", start: takeDown, end: bringBack, code: "UPSTREAM_UNAVAILABLE" },
  { name: "a 500", start: searchFault({ kind: "status", status: 500 }), code: "UPSTREAM_UNAVAILABLE" },
  { name: "429 with a long Retry-After", start: searchFault({ kind: "status", status: 429, retryAfter: 30 }), code: "RATE_LIMITED" },
  { name: "the token refused twice", start: searchFault({ kind: "auth-failed", count: 2 }), code: "UPSTREAM_UNAVAILABLE" },
  { name: "malformed JSON", start: searchFault({ kind: "malformed-json" }), code: "UPSTREAM_BAD_RESPONSE" },
  { name: "a huge answer", start: searchFault({ kind: "huge-body" }), code: "UPSTREAM_BAD_RESPONSE" },
];

describe("a fault while the tool looks the secret up is a clear tool error, and mints nothing", () => {
  it.each(MINT_FAULTS)("$name", async (fault) => {
    await fault.start();
    const start = performance.now();
    const text = await toolErrorText(alice.client, "get_secret_environment_variable", REQUEST);
    expect(elapsedSince(start)).toBeLessThan(WAIT_BOUND_MS);
    expect(text).toBe(toolText(fault.code));
    refusedMints.push(upstreamError(fault.code));

    if (fault.end) await fault.end();
    else expect(standIn.stats().pendingFaults).toBe(0);
    await expectRedeemsOnceAfterwards(await mint(["mint:ok", "redeem:ok", "replay:used"]), `the tool after ${fault.name}`);
  });
});

describe("what the fault run left behind", () => {
  let rows: AuditRow[];
  let haystacks: Haystack[];

  beforeAll(async () => {
    ({ rows, haystacks } = await evidence.collect({ stack, transcript, client: alice.client }));
  });

  it("the Worker was never restarted: it recovered by itself each time", () => {
    expect(stack.worker.pid()).toBe(workerPid);
  });

  it("the audit records each failed redemption against its ticket, then the one redemption", () => {
    expect(handedOut).toHaveLength(FAILING.length + ABSORBED.length + MINT_FAULTS.length);
    for (const { answer, trail } of handedOut) {
      const events = rows.filter((r) => r.ticket_id === answer.ticket_id).map((r) => `${r.event}:${r.outcome}`);
      expect(events, `audit trail of ticket ${answer.ticket_id}`).toEqual(trail);
    }
  });

  it("the audit records each mint a fault refused, with the secret asked for and no ticket", () => {
    const refused = rows.filter((r) => r.event === "upstream_error" && r.ticket_id === null);
    expect(refused.map((r) => `${r.event}:${r.outcome}`)).toEqual(refusedMints);
    for (const row of refused) expect(row).toMatchObject({ email: "alice@demo.test", secret_path: "db/prod" });
  });

  it("holds no seeded value and no Worker credential, though the stand-in's 500s carried one", () => {
    expect(haystacks.length).toBeGreaterThan(60);
    expect(secretLeaks(haystacks, seeded, stack)).toEqual([]);
  });

  it("holds each ticket only in the tool answer that handed it out", () => {
    const holders = ticketHolders(haystacks, handedOut.map((h) => h.answer.script));
    for (const [i, places] of holders.entries()) {
      expect(places, `where ticket ${handedOut[i]!.answer.ticket_id} appears`).toHaveLength(1);
      expect(places[0]).toMatch(HANDED_OUT_BY);
    }
  });
});
