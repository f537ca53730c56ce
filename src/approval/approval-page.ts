// The approval page: who asks for which secret, from which application, why, and until when; and,
// for a person who may decide, Approve and Deny forms. It never shows a value or a ticket: only
// the ticket's short id, which names it in the audit trail. Every string from a client, an IdP or
// Secret Server is escaped.
import { csrfField } from "../pages/csrf";
import type { BrowserSession } from "../pages/browser-session";
import { escapeHtml, htmlPage, PRODUCT_NAME } from "../pages/layout";
import type { ApprovalView } from "../tickets/ticket-row";
import { describeApprovers } from "./approval-rules";

/** What the page says about the OAuth client, as far as claimcheck knows it. */
export type ClientDescription = { id: string; name: string | undefined; verifiedDomain: string | undefined; redirectOrigins: string[] };

export type ApprovalPageContent = {
  view: ApprovalView;
  client: ClientDescription;
  viewer: BrowserSession;
  /** Where the forms post: the page's own path. */
  action: string;
  /** The viewer may decide now (the page shows the forms). */
  canDecide: boolean;
};

const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

function clientLine(client: ClientDescription): string {
  const name = escapeHtml(client.name ?? client.id);
  const origin = client.redirectOrigins.length ? `<br><span class="note">Sends to ${client.redirectOrigins.map((o) => `<code>${escapeHtml(o)}</code>`).join(", ")}</span>` : "";
  return client.verifiedDomain
    ? `${name}<br><span class="note">Published by <strong>${escapeHtml(client.verifiedDomain)}</strong>.</span>${origin}`
    : `${name} <span class="badge">Unverified</span><br><span class="note">The application chose this name itself.</span>${origin}`;
}

function statusLine(view: ApprovalView): string {
  const { approval } = view;
  const parts: string[] = [];
  if (approval.person) {
    const decided = approval.personDecision;
    parts.push(
      decided
        ? `${decided.decision === "approved" ? "Approved" : "Denied"} by ${escapeHtml(decided.by.email ?? decided.by.sub)} at ${when(decided.at)}.`
        : `Waiting for ${escapeHtml(describeApprovers(approval.person) === "self" ? "the requester to confirm" : describeApprovers(approval.person))}.`,
    );
  }
  if (approval.secretServerRequestId !== undefined) {
    parts.push(`Waiting for Secret Server approval, request #${approval.secretServerRequestId}: ${escapeHtml(approval.secretServerStatus ?? "Pending")}.`);
  }
  const fate: Record<ApprovalView["state"], string> = {
    pending: "",
    approved: "The agent's script can now fetch the secret, once.",
    redeemed: "The secret has been fetched.",
    denied: "This request was denied; the script has stopped.",
    expired: "This request has expired.",
    revoked: "This request was withdrawn.",
  };
  return [...parts, fate[view.state]].filter(Boolean).map((p) => `<p>${p}</p>`).join("\n");
}

function decisionForms(content: ApprovalPageContent): string {
  if (!content.canDecide) return "";
  return `<form method="post" action="${escapeHtml(content.action)}">
  ${csrfField(content.viewer)}
  <button type="submit" name="decision" value="deny">Deny</button>
  <button type="submit" name="decision" value="approve" class="approve">Approve</button>
</form>`;
}

export function approvalPage(content: ApprovalPageContent, notice?: string): Response {
  const { view, client, viewer } = content;
  const { record } = view;
  const requester = record.email ? `${escapeHtml(record.email)} <span class="note">(${escapeHtml(record.subject)})</span>` : escapeHtml(record.subject);
  const self = view.approval.person?.kind === "self";
  const heading = self ? "Do you want your agent to get this secret now?" : "An agent asks for a secret";
  return htmlPage(
    "Approve access",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
${notice ? `<p class="warning">${escapeHtml(notice)}</p>` : ""}
<h1>${heading}</h1>
<dl>
  <dt>Asked by</dt><dd>${requester}</dd>
  <dt>Application</dt><dd>${clientLine(client)}</dd>
  <dt>Secret</dt><dd><code>${escapeHtml(record.secretPath)}</code> (id ${record.secretId}), field <code>${escapeHtml(record.fields.join(", "))}</code></dd>
  <dt>Reason given</dt><dd>${record.comment ? escapeHtml(record.comment) : '<span class="note">none</span>'}</dd>
  <dt>Ticket</dt><dd><code>${escapeHtml(view.ticketId)}</code></dd>
  <dt>Asked at</dt><dd>${when(record.createdAt)}</dd>
  <dt>${view.state === "pending" ? "Expires" : "Ticket valid until"}</dt><dd>${when(view.expiresAt)}</dd>
</dl>
${statusLine(view)}
${decisionForms(content)}
<p class="note audit">Your decision is recorded in ${PRODUCT_NAME}'s audit trail with your email address. ${PRODUCT_NAME} never shows the secret's value, here or to the agent.</p>`,
  );
}

/** For a person who may not decide: nothing about the request, nothing changed. */
export function approvalRefusedPage(viewer: BrowserSession): Response {
  return htmlPage(
    "Not allowed",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
<h1>You cannot decide this request</h1>
<p>This approval request does not exist, has been withdrawn, or is not one you may see or decide. Nothing was changed.</p>
<p class="note">If your MCP client opened this page itself, the request may not be filed yet: reload in a few seconds.</p>`,
    403,
  );
}
