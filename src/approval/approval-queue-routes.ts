// GET /approvals: the requests the signed-in person may decide, newest first, each linking to its
// approval page (where the decision is made, with CSRF). Any signed-in person may open it; it
// lists only what they may decide. Every string from a client or an agent is escaped.
import { Hono } from "hono";
import { AUDIT_STYLE } from "../audit/view/audit-style";
import { loadConfig } from "../config";
import { ClaimcheckError } from "../errors";
import { logEvent } from "../log";
import { errorPage, escapeHtml, htmlPage } from "../pages/layout";
import { requirePageSession } from "../pages/page-sign-in";
import type { BrowserSession } from "../pages/browser-session";
import { APPROVALS_ROUTE } from "./approval-link";
import { requestsToDecide, type OpenRequest } from "./approval-queue";
import { describeApprovers } from "./approval-rules";

const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

function requestRow({ view, path }: OpenRequest): string {
  const { record } = view;
  const who = view.approval.person ? describeApprovers(view.approval.person) : "Secret Server";
  return `<tr>
<td class="time">${when(record.createdAt)}</td>
<td>${escapeHtml(record.email ?? record.subject)}</td>
<td><code>${escapeHtml(record.secretPath)}</code> <span class="ua">${escapeHtml(record.fields.join(", "))}</span></td>
<td>${record.comment ? escapeHtml(record.comment) : '<span class="ua">none</span>'}</td>
<td>${escapeHtml(who === "self" ? "the requester" : who)}</td>
<td class="time">${when(view.expiresAt)}</td>
<td><a href="${escapeHtml(path)}">Open</a></td>
</tr>`;
}

function queuePage(viewer: BrowserSession, requests: OpenRequest[]): Response {
  const table = requests.length
    ? `<table class="audit approvals">
<thead><tr><th>Asked at</th><th>Asked by</th><th>Secret</th><th>Reason given</th><th>Who decides</th><th>Expires</th><th></th></tr></thead>
<tbody>
${requests.map(requestRow).join("\n")}
</tbody>
</table>`
    : '<p class="note">No request waits for your decision.</p>';
  return htmlPage(
    "Approval requests",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
<h1>Requests waiting for your decision</h1>
${table}
<p class="note">A new request appears here a moment after the agent asked; reload to see it. Approve or deny on each request's page.</p>`,
    200,
    { wide: true, style: AUDIT_STYLE },
  );
}

export const approvalQueueRoutes = new Hono<{ Bindings: Env }>();

approvalQueueRoutes.get(APPROVALS_ROUTE, async (c) => {
  const config = loadConfig(c.env);
  const session = await requirePageSession(c, config, APPROVALS_ROUTE);
  if (session instanceof Response) return session;
  return queuePage(session, await requestsToDecide(c.env, session.identity, config.approvalTimeoutSeconds));
});

approvalQueueRoutes.onError((err) => {
  if (err instanceof ClaimcheckError) {
    logEvent("warn", "approvals list error", { event: "approval_list_failed", code: err.code, detail: err.detail });
    return errorPage(err.message, err.status, "Approval requests");
  }
  logEvent("error", "approvals list error", { event: "approval_list_failed", error: err.name });
  return errorPage("Something went wrong. Reload the page.", 500, "Approval requests");
});
