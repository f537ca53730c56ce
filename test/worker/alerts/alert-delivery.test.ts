// Alerts end to end inside workerd: audit rows → AlertOutbox (a real Durable Object with real
// alarms) → the receiver of dev/alert-receiver over real HTTP. Which events alert, signing, what
// the body holds after a real replay, that a dead or slow receiver holds nothing up, the retry
// schedule against a failing receiver on a fake clock, the drop after 24 h, redirects, endless
// bodies and timeouts.
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { alertOf, type Alert } from "../../../src/alerts/alert";
import { alertOutboxFor } from "../../../src/alerts/alert-outbox";
import { DELIVERY_WINDOW_MS } from "../../../src/alerts/alert-schedule";
import { DEFAULT_ALERT_EVENTS } from "../../../src/alerts/alert-settings";
import { verifyAlertSignature } from "../../../src/alerts/alert-signature";
import { ALERT_TIMEOUT_MS, deliverAlert } from "../../../src/alerts/deliver-alert";
import { AUDIT_EVENTS, recordAudit, recordAuditOnce, type AuditEvent } from "../../../src/audit/audit-log";
import { loadConfig } from "../../../src/config";
import { accessTokenFor, PUBLIC_URL } from "../auth/sign-in-driver";
import { callTool } from "../mcp/json-rpc";

type Received = { body: string; json: Record<string, unknown> | undefined; signature: string | undefined; verified: boolean };

const VALUE = "Pr0d-db-S3cret!";
const TICKET = /cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/;
const SECRET = "test-alert-webhook-secret"; // vitest.config.ts
const WAIT_MS = 8_000;

const receiver = (path: string, init?: RequestInit) => fetch(`${env.TEST_ALERT_RECEIVER}${path}`, init);

async function receivedWith(marker: string): Promise<Received[]> {
  const all = (await (await receiver("/_receiver/alerts")).json()) as Received[];
  return all.filter((a) => a.body.includes(marker));
}

async function misbehave(rule: Record<string, unknown>): Promise<void> {
  await receiver("/_receiver/misbehave", { method: "POST", body: JSON.stringify(rule) });
}

async function release(match: string): Promise<void> {
  await receiver("/_receiver/release", { method: "POST", body: JSON.stringify({ match }) });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const marker = () => `alert-test-${crypto.randomUUID()}`;

/** An outbox of this test's own, so its alarm and schedule are not shared with anything else. */
function ownOutbox() {
  return env.ALERT_OUTBOX.get(env.ALERT_OUTBOX.idFromName(marker()));
}

function alertFor(session: string, id = Math.floor(Math.random() * 2 ** 40) + 1): Alert {
  return alertOf({ id, at: new Date().toISOString(), event: { event: "replay", outcome: "used", session, ticketId: "0123456789ab" } }, PUBLIC_URL);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("which events alert", () => {
  it("alerts for every event in ALERT_EVENTS (the default here) and none for the others", async () => {
    const session = marker();
    await recordAudit(env.DB, AUDIT_EVENTS.map((event): AuditEvent => ({ event, outcome: "x", session, ticketId: "aaaaaaaaaaaa" })));
    const alerting = [...DEFAULT_ALERT_EVENTS].sort();
    expect(alerting).toEqual(expect.arrayContaining(["approval_requested", "late_use", "refresh_replay", "replay"]));
    const alerts = await waitFor("an alert per alerting event", async () => {
      const got = await receivedWith(session);
      return got.length >= alerting.length ? got : undefined;
    });
    expect(alerts.map((a) => a.json!.event).sort()).toEqual(alerting);
    // Everything queued was delivered: nothing else waits to go out.
    expect((await alertOutboxFor(env).queued()).filter((q) => q.alert.session === session)).toEqual([]);
    expect(alerts.every((a) => a.verified)).toBe(true);
  });

  it("alerts for events the TicketStore's outbox hands over, and hands a repeat over under the same id", async () => {
    const session = marker();
    const event = { event: "approval_requested" as const, outcome: "pending", session, ticketId: "bbbbbbbbbbbb" };
    await recordAuditOnce(env.DB, [event]);
    const [first] = await waitFor("an alert", async () => ((await receivedWith(session)).length ? receivedWith(session) : undefined));
    // The audit outbox delivers at least once: the row is not written twice, the alert keeps its id.
    await recordAuditOnce(env.DB, [event]);
    const both = await waitFor("the repeat", async () => {
      const got = await receivedWith(session);
      return got.length >= 2 ? got : undefined;
    });
    expect(both.map((a) => a.json!.id)).toEqual([first!.json!.id, first!.json!.id]);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE session = ?").bind(session).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });
});

describe("a replayed ticket", () => {
  it("reaches the receiver as a signed alert with the facts, and no value and no ticket", async () => {
    const { access_token: token } = await accessTokenFor({ sub: `alert-${crypto.randomUUID()}`, email: "dev@corp.example" });
    const out = (await callTool(token, "get_secret_environment_variable", { secret_path: "db/prod", shell: "bash" })).message!.result.structuredContent;
    const ticket = TICKET.exec(out.script)![0];
    const redeem = () => exports.default.fetch(`${PUBLIC_URL}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${ticket}`, "User-Agent": "alert-test-agent" } });
    expect(await (await redeem()).text()).toBe(VALUE);
    expect((await redeem()).status).toBe(401);

    const [alert] = await waitFor("the replay alert", async () => {
      const got = (await receivedWith(out.ticket_id)).filter((a) => a.json?.event === "replay");
      return got.length ? got : undefined;
    });
    expect(alert!.verified).toBe(true);
    expect(await verifyAlertSignature(SECRET, alert!.body, alert!.signature ?? null, Date.now())).toBe(true);
    expect(alert!.json).toMatchObject({
      event: "replay",
      outcome: "used",
      email: "dev@corp.example",
      secret_path: "db/prod",
      secret_id: 11,
      field: "password",
      ticket_id: out.ticket_id,
      user_agent: "alert-test-agent",
      audit_url: `${PUBLIC_URL}/audit/tickets/${out.ticket_id}`,
    });
    expect(alert!.json!.id).toEqual(expect.any(Number));
    expect(alert!.body).not.toContain(VALUE);
    expect(alert!.body).not.toContain(ticket);
    expect(alert!.body).not.toContain(ticket.split("_")[2]);
  });
});

describe("a dead or slow receiver", () => {
  it("delays no redemption, sign-in or audit write while it holds an alert", async () => {
    const { access_token: token } = await accessTokenFor({ sub: `alert-${crypto.randomUUID()}`, email: "dev@corp.example" });
    const mint = async () => {
      const out = (await callTool(token, "get_secret_environment_variable", { secret_path: "db/prod", shell: "bash" })).message!.result.structuredContent;
      return { ticket: TICKET.exec(out.script)![0], ticketId: out.ticket_id as string };
    };
    const redeem = (ticket: string) => exports.default.fetch(`${PUBLIC_URL}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${ticket}` } });
    const leaked = await mint();
    const next = await mint();
    await misbehave({ match: leaked.ticketId, hang: true });
    try {
      expect(await (await redeem(leaked.ticket)).text()).toBe(VALUE);
      expect((await redeem(leaked.ticket)).status).toBe(401);
      // The receiver now holds the replay's alert open and answers nothing...
      await waitFor("the hung delivery", async () => ((await receivedWith(leaked.ticketId)).length ? true : undefined));
      // ...while redemptions, sign-ins and audit writes go on.
      expect(await (await redeem(next.ticket)).text()).toBe(VALUE);
      expect((await accessTokenFor({ sub: `alert-${crypto.randomUUID()}`, email: "dev@corp.example" })).access_token).toBeTruthy();
      await recordAudit(env.DB, { event: "replay", outcome: "used", session: marker() });
    } finally {
      await release(leaked.ticketId);
    }
  });
});

describe("delivery", () => {
  it("retries a failing receiver with growing, jittered waits, then drops the alert after 24 h and audits the drop", async () => {
    const session = marker();
    await misbehave({ match: session, status: 500 });
    const outbox = ownOutbox();
    const alert = alertFor(session);
    await outbox.enqueue([alert]);
    // Its alarm is due at once: the first attempt happens for real.
    let [queued] = await waitFor("the first failure", async () => {
      const q = await outbox.queued();
      return q[0]?.failures === 1 ? q : undefined;
    });
    vi.useFakeTimers({ toFake: ["Date"] });
    for (let failures = 1; failures <= 6; failures++) {
      const step = Math.min(3_600_000, 10_000 * 2 ** (failures - 1));
      const waited = queued!.nextAttemptAt - Date.now();
      expect(waited).toBeGreaterThanOrEqual(step / 2 - 1);
      expect(waited).toBeLessThanOrEqual(step);
      expect(queued!.lastFailure).toBe("status_500");
      vi.setSystemTime(queued!.nextAttemptAt);
      await runDurableObjectAlarm(outbox);
      [queued] = await outbox.queued();
      expect(queued!.failures).toBe(failures + 1);
    }
    expect((await receivedWith(session)).map((a) => a.json!.id)).toEqual(Array(7).fill(alert.id));

    vi.setSystemTime(queued!.queuedAt + DELIVERY_WINDOW_MS);
    await runDurableObjectAlarm(outbox);
    expect(await outbox.queued()).toEqual([]);
    const dropped = await env.DB.prepare("SELECT event, outcome, ticket_id, detail FROM audit_events WHERE session = ?").bind(session).first<{ event: string; outcome: string; ticket_id: string; detail: string }>();
    expect(dropped).toMatchObject({ event: "alert_dropped", outcome: "status_500", ticket_id: "0123456789ab" });
    expect(JSON.parse(dropped!.detail)).toEqual({ alert_id: alert.id, alert_event: "replay", attempts: 8 });
    await release(session);
  });

  it("delivers at least once under a stable id when the receiver recovers", async () => {
    const session = marker();
    await misbehave({ match: session, status: 503 });
    const outbox = ownOutbox();
    const alert = alertFor(session);
    await outbox.enqueue([alert, alert]); // queued once
    const [queued] = await waitFor("the first failure", async () => {
      const q = await outbox.queued();
      return q[0]?.failures === 1 ? q : undefined;
    });
    await release(session);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(queued!.nextAttemptAt);
    await runDurableObjectAlarm(outbox);
    expect(await outbox.queued()).toEqual([]);
    expect((await receivedWith(session)).map((a) => a.json!.id)).toEqual([alert.id, alert.id]);
  });

  it("does not follow a redirect: the attempt fails and nothing is sent where it points", async () => {
    const session = marker();
    await misbehave({ match: session, redirectTo: `${env.TEST_ALERT_RECEIVER}/alerts?followed=1` });
    const outbox = ownOutbox();
    await outbox.enqueue([alertFor(session)]);
    const [queued] = await waitFor("the failed attempt", async () => {
      const q = await outbox.queued();
      return q[0]?.failures === 1 ? q : undefined;
    });
    expect(queued!.lastFailure).toBe("redirect");
    expect(await receivedWith(session)).toHaveLength(1);
    await release(session);
  });

  it("does not read a receiver's endless body: the 200 counts and the alert leaves the queue", async () => {
    const session = marker();
    await misbehave({ match: session, endlessBody: true });
    const outbox = ownOutbox();
    await outbox.enqueue([alertFor(session)]);
    await waitFor("delivery", async () => ((await outbox.queued()).length === 0 && (await receivedWith(session)).length === 1 ? true : undefined));
    await release(session);
  });

  it("gives an attempt up after its timeout (10 s in production)", async () => {
    expect(ALERT_TIMEOUT_MS).toBe(10_000);
    const session = marker();
    await misbehave({ match: session, hang: true });
    try {
      expect(await deliverAlert(alertFor(session), loadConfig(env).alerts!, Date.now(), 200)).toEqual({ delivered: false, failure: "timeout" });
    } finally {
      await release(session);
    }
  });

  it("sends the Slack form, signed the same way", async () => {
    const session = marker();
    const settings = { ...loadConfig(env).alerts!, format: "slack" as const };
    expect(await deliverAlert(alertFor(session), settings, Date.now())).toEqual({ delivered: true });
    const [got] = await receivedWith(session);
    expect(got!.verified).toBe(true);
    expect(Object.keys(got!.json!)).toEqual(["text"]);
    expect(got!.json!.text).toContain(`session: ${session}`);
  });
});
