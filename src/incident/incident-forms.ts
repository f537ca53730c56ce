// The incident forms on the audit pages: revoke everything of one user, or of one OAuth client.
// POST only, each with the viewer's CSRF token; prefilled where the page knows whom it is about.
import type { BrowserSession } from "../pages/browser-session";
import { csrfField } from "../pages/csrf";
import { escapeHtml } from "../pages/layout";

export const REVOKE_USER_ROUTE = "/audit/revoke-user";
export const REVOKE_CLIENT_ROUTE = "/audit/revoke-client";

export function incidentForms(viewer: BrowserSession, prefill: { subject?: string | null; clientId?: string | null } = {}): string {
  return `<section class="incident">
<h2>Incident response</h2>
<p class="note">Revokes every unredeemed ticket (their scripts then fail) and every OAuth grant (the agent must sign in again). Redeemed tickets stay on record: a later replay is still audited as one. Recorded as <code>admin_revoke</code> with your name.</p>
<form method="post" action="${REVOKE_USER_ROUTE}">
  ${csrfField(viewer)}
  <label>User (subject)<input name="subject" required maxlength="512" value="${escapeHtml(prefill.subject ?? "")}"></label>
  <button type="submit" class="danger">Revoke this user's tickets and grants</button>
</form>
<form method="post" action="${REVOKE_CLIENT_ROUTE}">
  ${csrfField(viewer)}
  <label>OAuth client id<input name="client_id" required maxlength="512" value="${escapeHtml(prefill.clientId ?? "")}"></label>
  <button type="submit" class="danger">Revoke this client's tickets and grants</button>
</form>
</section>`;
}
