// How one audit row's facts are shown, shared by the list, a ticket's life and a single event.
// Every value is escaped: emails, client names, user agents and details come from outside.
import { escapeHtml } from "../../pages/layout";
import { filterQuery, type AuditFilters } from "./audit-filters";
import { AUDIT_ROUTE, ticketLifePath } from "./audit-links";
import type { AuditRow } from "./audit-row";

/** Events that mean something leaked or was refused: they stand out wherever they are shown. */
const FLAGGED = new Set(["replay", "late_use", "refresh_replay", "deny"]);

export function isFlagged(row: Pick<AuditRow, "event">): boolean {
  return FLAGGED.has(row.event);
}

/** `2026-11-29 10:04:05.123` (UTC). */
export function timeCell(at: string): string {
  return escapeHtml(at.replace("T", " ").replace(/Z$/, ""));
}

export function eventCell(row: AuditRow): string {
  return `<span class="event${isFlagged(row) ? " flag" : ""}">${escapeHtml(row.event)}</span>`;
}

/** A link to the list filtered by one more fact (the page's filters are kept). */
export function filterLink(filters: AuditFilters, name: keyof AuditFilters, value: string, label = value): string {
  const query = filterQuery({ ...filters, [name]: name === "event" ? [value] : value });
  return `<a href="${AUDIT_ROUTE}?${escapeHtml(query.toString())}">${escapeHtml(label)}</a>`;
}

export function userCell(row: AuditRow, filters: AuditFilters): string {
  const email = row.email ? filterLink(filters, "email", row.email) : "";
  const subject = row.subject ? `<br><span class="ua">${filterLink(filters, "subject", row.subject)}</span>` : "";
  return email || subject ? `${email}${subject}` : '<span class="ua">–</span>';
}

/** Client names are chosen by whoever registered the client: shown as text, with the id beside. */
export function clientCell(row: AuditRow, filters: AuditFilters, names: ReadonlyMap<string, string>): string {
  if (!row.client_id) return '<span class="ua">–</span>';
  const name = names.get(row.client_id);
  return `${name ? `${escapeHtml(name)}<br>` : ""}<span class="ua">${filterLink(filters, "client_id", row.client_id)}</span>`;
}

export function secretCell(row: AuditRow): string {
  if (!row.secret_path && row.secret_id === null) return '<span class="ua">–</span>';
  const path = row.secret_path ? `<code>${escapeHtml(row.secret_path)}</code>` : "";
  const field = row.field ? ` <span class="ua">${escapeHtml(row.field)}</span>` : "";
  const id = row.secret_id !== null ? ` <span class="ua">#${row.secret_id}</span>` : "";
  return `${path}${field}${id}`;
}

export function ticketCell(row: AuditRow): string {
  return row.ticket_id ? `<a href="${escapeHtml(ticketLifePath(row.ticket_id))}"><code>${escapeHtml(row.ticket_id)}</code></a>` : '<span class="ua">–</span>';
}

/** Long user agents are cut on the list; the ticket's life shows them whole. */
export function userAgentCell(userAgent: string | null, maxChars = 60): string {
  if (!userAgent) return '<span class="ua">–</span>';
  const shown = userAgent.length > maxChars ? `${userAgent.slice(0, maxChars)}…` : userAgent;
  return `<span class="ua" title="${escapeHtml(userAgent)}">${escapeHtml(shown)}</span>`;
}

/** The detail JSON as `key: value` pairs (non-secret by construction: ids, counts, emails of deciders). */
export function detailText(detail: string | null): string {
  if (!detail) return "";
  try {
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    return Object.entries(parsed).map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(String(v))}`).join(", ");
  } catch {
    return escapeHtml(detail);
  }
}
