// GET /audit/tickets/<ticket id>: everything one ticket went through, oldest first (mint →
// approval → redeem / expire / replay / revoke), with who, from where and with which client, and
// the incident forms prefilled with its owner and client. One audit row alone: GET /audit/events/<id>.
import { incidentForms } from "../../incident/incident-forms";
import type { BrowserSession } from "../../pages/browser-session";
import { escapeHtml, htmlPage } from "../../pages/layout";
import { clientCell, detailText, eventCell, isFlagged, secretCell, ticketCell, timeCell, userAgentCell, userCell } from "./audit-cells";
import { NO_FILTERS } from "./audit-filters";
import { AUDIT_ROUTE } from "./audit-links";
import type { AuditRow } from "./audit-row";
import { AUDIT_STYLE } from "./audit-style";

function lifeItem(row: AuditRow, names: ReadonlyMap<string, string>): string {
  const detail = detailText(row.detail);
  return `<li${isFlagged(row) ? ' class="flag"' : ""}>
<div>${eventCell(row)} <span class="ua">${escapeHtml(row.outcome)}</span> · <span class="time">${timeCell(row.at)} UTC</span></div>
<div class="meta">by ${userCell(row, NO_FILTERS)} · client ${clientCell(row, NO_FILTERS, names)} · from ${escapeHtml(row.client_ip ?? "–")} · ${userAgentCell(row.user_agent, 200)}</div>
${detail ? `<div class="meta">${detail}</div>` : ""}
</li>`;
}

/** Rows of one session, with what they share said once. */
function sessionSection(rows: AuditRow[], names: ReadonlyMap<string, string>): string {
  const first = rows[0]!;
  const owner = rows.find((r) => r.event === "mint") ?? first;
  return `<dl>
  <dt>Secret</dt><dd>${secretCell(owner)}</dd>
  <dt>Owner</dt><dd>${userCell(owner, NO_FILTERS)}</dd>
  <dt>OAuth client</dt><dd>${clientCell(owner, NO_FILTERS, names)}</dd>
  <dt>Session</dt><dd><code>${escapeHtml(first.session ?? "–")}</code></dd>
</dl>
<ol class="life">
${rows.map((row) => lifeItem(row, names)).join("\n")}
</ol>`;
}

export function ticketLifePage(viewer: BrowserSession, ticketId: string, rows: AuditRow[], names: ReadonlyMap<string, string>): Response {
  // A short id is 48 bits: two sessions could in principle share one. Each session is its own ticket.
  const sessions = Map.groupBy(rows, (row) => row.session ?? "");
  const body = rows.length
    ? [...sessions.values()].map((group) => sessionSection(group, names)).join('\n<hr>\n')
    : '<p class="note">No events for this ticket id (yet: a mint reaches the trail a moment after it happens).</p>';
  const owner = rows.find((r) => r.event === "mint") ?? rows[0];
  return htmlPage(
    "Ticket life",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
<nav class="views"><a href="${AUDIT_ROUTE}">Audit trail</a><a href="${AUDIT_ROUTE}?ticket_id=${escapeHtml(ticketId)}">This ticket in the list</a><a href="/approvals">Approval requests</a></nav>
<h1>Ticket <code>${escapeHtml(ticketId)}</code></h1>
${body}
${incidentForms(viewer, { subject: owner?.subject, clientId: owner?.client_id })}`,
    200,
    { wide: true, style: AUDIT_STYLE },
  );
}

export function auditEventPage(viewer: BrowserSession, row: AuditRow, names: ReadonlyMap<string, string>): Response {
  return htmlPage(
    "Audit event",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
<nav class="views"><a href="${AUDIT_ROUTE}">Audit trail</a></nav>
<h1>Audit event ${row.id}: ${eventCell(row)}</h1>
<dl>
  <dt>Time (UTC)</dt><dd>${timeCell(row.at)}</dd>
  <dt>Outcome</dt><dd>${escapeHtml(row.outcome)}</dd>
  <dt>User</dt><dd>${userCell(row, NO_FILTERS)}</dd>
  <dt>OAuth client</dt><dd>${clientCell(row, NO_FILTERS, names)}</dd>
  <dt>Secret</dt><dd>${secretCell(row)}</dd>
  <dt>Ticket</dt><dd>${ticketCell(row)}</dd>
  <dt>Session</dt><dd><code>${escapeHtml(row.session ?? "–")}</code></dd>
  <dt>Client IP</dt><dd>${escapeHtml(row.client_ip ?? "–")}</dd>
  <dt>User agent</dt><dd>${userAgentCell(row.user_agent, 400)}</dd>
  <dt>Detail</dt><dd>${detailText(row.detail) || "–"}</dd>
</dl>
${incidentForms(viewer, { subject: row.subject, clientId: row.client_id })}`,
    200,
    { wide: true, style: AUDIT_STYLE },
  );
}
