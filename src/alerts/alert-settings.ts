// The alert settings: ALERT_WEBHOOK_URL, ALERT_WEBHOOK_SECRET, ALERT_EVENTS, ALERT_FORMAT. No URL,
// no alerts. Parsed by src/config.ts with the other settings, so a bad one fails closed there and
// is named. This module stays free of Worker-only imports (config.ts is also loaded by Node-side
// code), so the event names are checked against AUDIT_EVENTS in known-alert-events.ts.

/**
 * What alerts when ALERT_EVENTS is not set: every sign that a ticket or a token leaked, a command
 * that printed a secret (what a prompt injection looks like), and requests waiting for a person.
 */
export const DEFAULT_ALERT_EVENTS: readonly string[] = ["replay", "late_use", "refresh_replay", "value_printed", "approval_requested"];

/**
 * Never alerts, whatever ALERT_EVENTS says: it records an alert the receiver did not take for
 * 24 h, and an alert about it would go to that same receiver (and could be dropped in turn).
 */
const NEVER_ALERTS: readonly string[] = ["alert_dropped"];

const EVENT_NAME = /^[a-z][a-z_]{0,63}$/;

export const ALERT_FORMATS = ["json", "slack"] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export type AlertSettings = {
  /** Where each alert is POSTed: https, or http on loopback. */
  url: string;
  /** HMAC-SHA256 key of the Claimcheck-Signature header (a Worker secret). */
  secret: string;
  /** Audit event names (checked against AUDIT_EVENTS by assertKnownAlertEvents). */
  events: ReadonlySet<string>;
  format: AlertFormat;
};

/** `replay, late_use` → the names, or what is wrong (the message never echoes the setting). */
export function parseAlertEvents(text: string | undefined): { events: string[] } | { problem: string } {
  if (text === undefined) return { events: [...DEFAULT_ALERT_EVENTS] };
  const names = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.some((n) => !EVENT_NAME.test(n))) return { problem: "must be audit event names separated by commas, e.g. replay,late_use" };
  if (names.some((n) => NEVER_ALERTS.includes(n))) return { problem: "alert_dropped cannot alert" };
  return { events: [...new Set(names)] };
}
