// One line per alert for the `npm start` output: what happened, to which ticket, and whether the
// signature verified. Only the alert's own facts (no value or ticket is ever in an alert).
import type { ReceivedAlert } from "./server.ts";

type Facts = { event?: string; email?: string | null; secret_path?: string | null; ticket_id?: string | null; audit_url?: string; text?: string };

export function describeAlert(alert: ReceivedAlert): string {
  const facts = (alert.json ?? {}) as Facts;
  const check = alert.verified ? "signature verified" : "SIGNATURE INVALID";
  if (facts.text !== undefined) return `alert (slack format, ${check}): ${facts.text.split("\n")[0]}`;
  const about = [facts.email, facts.secret_path, facts.ticket_id && `ticket ${facts.ticket_id}`].filter(Boolean).join(", ");
  return `alert ${facts.event ?? "?"} (${check})${about ? `: ${about}` : ""}${facts.audit_url ? ` ${facts.audit_url}` : ""}`;
}
