// The security team's settings: AUDIT_VIEWERS, AUDIT_RETENTION_DAYS and the alert settings, each
// refused by name (never by value) when malformed.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { assertKnownAlertEvents } from "../../../src/alerts/known-alert-events";
import { loadConfig } from "../../../src/config";
import { ClaimcheckError } from "../../../src/errors";

const valid = env as unknown as Record<string, unknown>;
const NO_ALERTS = { ALERT_WEBHOOK_URL: undefined, ALERT_WEBHOOK_SECRET: undefined, ALERT_EVENTS: undefined, ALERT_FORMAT: undefined };

function failure(settings: Record<string, unknown>): ClaimcheckError {
  try {
    assertKnownAlertEvents(loadConfig(settings));
  } catch (err) {
    if (err instanceof ClaimcheckError) return err;
    throw err;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("AUDIT_VIEWERS", () => {
  it("defaults to nobody", () => {
    expect(loadConfig({ ...valid, AUDIT_VIEWERS: undefined }).auditViewers).toEqual({});
  });

  it("takes groups, emails and subjects, and refuses anything else by name", () => {
    expect(loadConfig({ ...valid, AUDIT_VIEWERS: '{"groups":["sec"],"emails":["a@b.c"],"subjects":["s"]}' }).auditViewers).toEqual({ groups: ["sec"], emails: ["a@b.c"], subjects: ["s"] });
    for (const bad of ['{"roles":["admin"]}', '["sec"]', "{nope", '{"groups":[""]}']) {
      const err = failure({ ...valid, AUDIT_VIEWERS: bad });
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.message).toContain("AUDIT_VIEWERS");
      expect(err.message).not.toContain("admin");
    }
  });
});

describe("AUDIT_RETENTION_DAYS", () => {
  it("defaults to 400 and takes 1 to 3660 days", () => {
    expect(loadConfig({ ...valid, AUDIT_RETENTION_DAYS: undefined }).auditRetentionDays).toBe(400);
    expect(loadConfig({ ...valid, AUDIT_RETENTION_DAYS: "30" }).auditRetentionDays).toBe(30);
    for (const bad of ["0", "3661", "1.5", "forever"]) expect(failure({ ...valid, AUDIT_RETENTION_DAYS: bad }).message).toContain("AUDIT_RETENTION_DAYS");
  });
});

describe("alert settings", () => {
  it("no URL, no alerts", () => {
    expect(loadConfig({ ...valid, ...NO_ALERTS }).alerts).toBeUndefined();
  });

  it("defaults to json and to replay, late_use, refresh_replay, value_printed, approval_requested", () => {
    const alerts = loadConfig({ ...valid, ...NO_ALERTS, ALERT_WEBHOOK_URL: "https://hooks.example.com/x", ALERT_WEBHOOK_SECRET: "s3cret" }).alerts!;
    expect(alerts.format).toBe("json");
    expect([...alerts.events].sort()).toEqual(["approval_requested", "late_use", "refresh_replay", "replay", "value_printed"]);
  });

  it("requires the secret with a URL, naming it without showing the URL", () => {
    const err = failure({ ...valid, ...NO_ALERTS, ALERT_WEBHOOK_URL: "https://hooks.example.com/private-path" });
    expect(err.message).toContain("ALERT_WEBHOOK_SECRET");
    expect(err.message).not.toContain("private-path");
  });

  it("takes https, and plain http only on loopback", () => {
    const secret = { ALERT_WEBHOOK_SECRET: "s3cret" };
    expect(failure({ ...valid, ...NO_ALERTS, ...secret, ALERT_WEBHOOK_URL: "http://hooks.example.com/x" }).message).toContain("ALERT_WEBHOOK_URL");
    expect(loadConfig({ ...valid, ...NO_ALERTS, ...secret, ALERT_WEBHOOK_URL: "http://127.0.0.1:9/x" }).alerts?.url).toBe("http://127.0.0.1:9/x");
  });

  it("takes a comma-separated list of audit events, and refuses unknown ones and alert_dropped by name", () => {
    const base = { ...valid, ...NO_ALERTS, ALERT_WEBHOOK_URL: "https://hooks.example.com/x", ALERT_WEBHOOK_SECRET: "s3cret" };
    expect([...loadConfig({ ...base, ALERT_EVENTS: " deny, replay ,deny" }).alerts!.events]).toEqual(["deny", "replay"]);
    for (const bad of ["repaly", "replay,Nope!", "alert_dropped"]) {
      const err = failure({ ...base, ALERT_EVENTS: bad });
      expect(err.message).toContain("ALERT_EVENTS");
      expect(err.message).not.toContain("repaly");
    }
  });

  it("takes json or slack", () => {
    const base = { ...valid, ...NO_ALERTS, ALERT_WEBHOOK_URL: "https://hooks.example.com/x", ALERT_WEBHOOK_SECRET: "s3cret" };
    expect(loadConfig({ ...base, ALERT_FORMAT: "slack" }).alerts!.format).toBe("slack");
    expect(failure({ ...base, ALERT_FORMAT: "xml" }).message).toContain("ALERT_FORMAT");
  });
});
