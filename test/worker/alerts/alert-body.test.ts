// What leaves for the webhook: the facts under fixed names, signed over "<t>.<raw body>"; the
// Slack form carries the same facts in `text`, with Slack's markup characters escaped.
import { describe, expect, it } from "vitest";
import { alertOf, type Alert } from "../../../src/alerts/alert";
import { alertBody } from "../../../src/alerts/alert-body";
import { signAlert, verifyAlertSignature } from "../../../src/alerts/alert-signature";

const FIELDS = ["id", "event", "at", "subject", "email", "client_id", "session", "secret_id", "secret_path", "field", "ticket_id", "client_ip", "user_agent", "outcome", "audit_url"];

const replay: Alert = alertOf(
  {
    id: 41,
    at: "2026-11-29T10:00:00.000Z",
    event: { event: "replay", outcome: "used", subject: "u-1", email: "dev@corp.example", clientId: "c-1", session: "grant-1", secretId: 11, secretPath: "db/prod", field: "password", ticketId: "0123456789ab", clientIp: "192.0.2.1", userAgent: "curl/8 <https://evil.example|click>" },
  },
  "https://claimcheck.test",
);

describe("the alert", () => {
  it("has exactly the contract's fields, and links to the ticket's life", () => {
    expect(Object.keys(JSON.parse(alertBody(replay, "json")))).toEqual(FIELDS);
    expect(replay.audit_url).toBe("https://claimcheck.test/audit/tickets/0123456789ab");
  });

  it("links to the single event when it concerns no ticket", () => {
    const alert = alertOf({ id: 7, at: "2026-11-29T10:00:00.000Z", event: { event: "refresh_replay", outcome: "revoked", subject: "u-1" } }, "https://claimcheck.test");
    expect(alert).toMatchObject({ ticket_id: null, secret_path: null, audit_url: "https://claimcheck.test/audit/events/7" });
  });

  it("in Slack form, carries every fact in `text` with <, > and & escaped", () => {
    const body = JSON.parse(alertBody(replay, "slack")) as { text: string };
    for (const fact of ["replay", "dev@corp.example", "c-1", "grant-1", "db/prod", "password", "0123456789ab", "192.0.2.1", "used", "2026-11-29T10:00:00.000Z"]) expect(body.text).toContain(fact);
    expect(body.text).toContain("curl/8 &lt;https://evil.example|click&gt;");
    expect(body.text).toContain("<https://claimcheck.test/audit/tickets/0123456789ab|Open in the audit trail>");
  });
});

describe("Claimcheck-Signature", () => {
  const secret = "whsec-test";
  const body = alertBody(replay, "json");
  const now = Date.parse("2026-11-29T10:00:05Z");

  it("is t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>", async () => {
    const header = await signAlert(secret, body, now);
    expect(header).toMatch(/^t=1795946405,v1=[0-9a-f]{64}$/);
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`1795946405.${body}`)));
    expect(header.split("v1=")[1]).toBe([...mac].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });

  it("verifies with the secret within the tolerance, and not with another secret, another body or an old time", async () => {
    const header = await signAlert(secret, body, now);
    expect(await verifyAlertSignature(secret, body, header, now + 60_000)).toBe(true);
    expect(await verifyAlertSignature("other", body, header, now)).toBe(false);
    expect(await verifyAlertSignature(secret, `${body} `, header, now)).toBe(false);
    expect(await verifyAlertSignature(secret, body, header, now + 301_000)).toBe(false);
    expect(await verifyAlertSignature(secret, body, null, now)).toBe(false);
  });
});
