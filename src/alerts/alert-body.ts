// The body POSTed for an alert: the facts as JSON (ALERT_FORMAT=json), or a Slack incoming-webhook
// message (ALERT_FORMAT=slack) whose `text` carries the same facts. Either way every fact comes
// from the audit row; nothing in it is a value or a ticket.
import type { AlertFormat } from "./alert-settings";
import type { Alert } from "./alert";

/** Why each event is worth a look, in a few words. */
const HEADLINES: Record<string, string> = {
  replay: "A redeemed ticket was presented again: it leaked",
  late_use: "A revoked or expired ticket was presented: it leaked",
  refresh_replay: "A rotated-out refresh token was replayed: the grant was revoked",
  value_printed: "A command printed a secret's value (concealed in its output)",
  approval_requested: "A request waits for approval",
  deny: "A request was refused",
  admin_revoke: "Access was revoked from the audit page",
};

/**
 * Slack reads `&`, `<` and `>` as markup (`<https://evil|click here>` is a link): escaped, so a
 * hostile email or user agent stays text.
 */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The facts in a fixed order, link last; null facts left out. */
function factLines(alert: Alert): string[] {
  const { audit_url: _url, ...facts } = alert;
  return Object.entries(facts)
    .filter(([, value]) => value !== null)
    .map(([name, value]) => `${name}: ${slackEscape(String(value))}`);
}

function slackBody(alert: Alert): unknown {
  const headline = `claimcheck: ${HEADLINES[alert.event] ?? `audit event ${alert.event}`}`;
  const text = [`*${slackEscape(headline)}*`, ...factLines(alert), `<${alert.audit_url}|Open in the audit trail>`].join("\n");
  return { text };
}

export function alertBody(alert: Alert, format: AlertFormat): string {
  switch (format) {
    case "json":
      return JSON.stringify(alert);
    case "slack":
      return JSON.stringify(slackBody(alert));
  }
}
