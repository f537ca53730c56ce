// GET /audit: the audit trail, newest first, 50 a page, with filters in the query string. Events
// that mean a leak or a refusal stand out. Nothing here is a value or a ticket: rows hold ids,
// names and the short ticket id, and every string is escaped.
import { incidentForms } from "../../incident/incident-forms";
import type { BrowserSession } from "../../pages/browser-session";
import { escapeHtml, htmlPage } from "../../pages/layout";
import { AUDIT_EVENTS } from "../audit-log";
import { clientCell, eventCell, isFlagged, secretCell, ticketCell, timeCell, userAgentCell, userCell } from "./audit-cells";
import { filterQuery, type AuditFilters } from "./audit-filters";
import { AUDIT_ROUTE } from "./audit-links";
import type { AuditPage } from "./audit-query";
import type { AuditRow } from "./audit-row";
import { AUDIT_STYLE } from "./audit-style";

export type AuditListContent = {
  viewer: BrowserSession;
  filters: AuditFilters;
  page: AuditPage;
  /** Names of the OAuth clients on this page, by id, as registered. */
  clientNames: ReadonlyMap<string, string>;
  notice?: string;
};

/** A datetime-local field takes `2026-11-29T10:00`; the filters hold full ISO times. */
const localValue = (iso: string | undefined) => escapeHtml(iso?.replace(/\.\d{3}Z$/, "") ?? "");

function textField(label: string, name: string, value: string | undefined, placeholder = ""): string {
  return `<label>${label}<input name="${name}" value="${escapeHtml(value ?? "")}" placeholder="${escapeHtml(placeholder)}" maxlength="512"></label>`;
}

function filterForm(filters: AuditFilters): string {
  const options = AUDIT_EVENTS.map((e) => `<option value="${e}"${filters.event.includes(e) ? " selected" : ""}>${e}</option>`).join("");
  return `<form method="get" action="${AUDIT_ROUTE}" class="filters">
  <label class="events">Events (none selected: all)<select name="event" multiple size="6">${options}</select></label>
  ${textField("Email", "email", filters.email)}
  ${textField("Secret path (glob)", "secret_path", filters.secret_path, "db/**")}
  ${textField("OAuth client id", "client_id", filters.client_id)}
  ${textField("Ticket id", "ticket_id", filters.ticket_id, "12 hex characters")}
  ${textField("Subject", "subject", filters.subject)}
  <label>From (UTC)<input type="datetime-local" step="1" name="from" value="${localValue(filters.from)}"></label>
  <label>To (UTC)<input type="datetime-local" step="1" name="to" value="${localValue(filters.to)}"></label>
  <div class="buttons"><button type="submit">Filter</button><a href="${AUDIT_ROUTE}">Clear</a></div>
</form>`;
}

function rowHtml(row: AuditRow, content: AuditListContent): string {
  return `<tr${isFlagged(row) ? ' class="flag"' : ""}>
<td class="time">${timeCell(row.at)}</td><td>${eventCell(row)}</td><td>${escapeHtml(row.outcome)}</td>
<td>${userCell(row, content.filters)}</td><td>${clientCell(row, content.filters, content.clientNames)}</td>
<td>${secretCell(row)}</td><td>${ticketCell(row)}</td><td>${escapeHtml(row.client_ip ?? "–")}</td><td>${userAgentCell(row.user_agent)}</td>
</tr>`;
}

function exportLinks(filters: AuditFilters): string {
  const link = (format: string) => {
    const query = filterQuery(filters);
    query.set("format", format);
    return `<a href="${AUDIT_ROUTE}/export?${escapeHtml(query.toString())}">${format.toUpperCase()}</a>`;
  };
  return `<p class="actions">Export these rows: ${link("csv")} · ${link("ndjson")} · Shortcuts: <a href="${AUDIT_ROUTE}?event=replay&amp;event=late_use&amp;event=refresh_replay">leaks</a> · <a href="${AUDIT_ROUTE}?event=deny">refusals</a> · <a href="${AUDIT_ROUTE}?event=admin_revoke&amp;event=alert_dropped">incident actions and dropped alerts</a></p>`;
}

function pager(content: AuditListContent, firstPage: boolean): string {
  const query = filterQuery(content.filters);
  const newest = firstPage ? "<span></span>" : `<a href="${AUDIT_ROUTE}?${escapeHtml(query.toString())}">« Newest</a>`;
  if (!content.page.next) return `<nav class="pager">${newest}<span class="note">End of the trail.</span></nav>`;
  query.set("cursor", content.page.next);
  return `<nav class="pager">${newest}<a href="${AUDIT_ROUTE}?${escapeHtml(query.toString())}" rel="next">Older »</a></nav>`;
}

export function auditListPage(content: AuditListContent, firstPage: boolean): Response {
  const rows = content.page.rows.map((row) => rowHtml(row, content)).join("\n");
  const table = content.page.rows.length
    ? `<table class="audit">
<thead><tr><th>Time (UTC)</th><th>Event</th><th>Outcome</th><th>User</th><th>OAuth client</th><th>Secret</th><th>Ticket</th><th>Client IP</th><th>User agent</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '<p class="note">No events match these filters.</p>';
  return htmlPage(
    "Audit trail",
    `<p class="who">Signed in as ${escapeHtml(content.viewer.identity.email)}</p>
<nav class="views"><a href="${AUDIT_ROUTE}">Audit trail</a><a href="/approvals">Approval requests</a></nav>
${content.notice ? `<p class="warning">${escapeHtml(content.notice)}</p>` : ""}
<h1>Audit trail</h1>
${filterForm(content.filters)}
${exportLinks(content.filters)}
${table}
${pager(content, firstPage)}
<p class="note">Mint, redemption and approval events reach this trail from each session's outbox a moment after they happen.</p>
${incidentForms(content.viewer)}`,
    200,
    { wide: true, style: AUDIT_STYLE },
  );
}

/** For someone signed in who is not in AUDIT_VIEWERS: says so, and nothing about the trail. */
export function notAViewerPage(viewer: BrowserSession): Response {
  return htmlPage(
    "Not allowed",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
<h1>You cannot view the audit trail</h1>
<p>Only the people named in claimcheck's <code>AUDIT_VIEWERS</code> setting may open these pages. Ask your security team if you need access.</p>`,
    403,
  );
}
