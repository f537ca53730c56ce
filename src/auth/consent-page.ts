// The consent page: shown once per user and MCP client (see remembered-consent.ts) before the
// client gets a token. It names the signed-in user, the client, where the tokens will be sent and
// what the client will be able to do. Every client-supplied string is escaped: a client chooses
// its own name and redirect URI.
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { escapeHtml, htmlPage, PRODUCT_NAME } from "../pages/layout";
import type { Identity } from "./identity";

export type ConsentPageContent = { identity: Identity; client: ConsentDescription; handle: string };

function clientOrigin(client: ConsentDescription): string {
  return client.clientDomain
    ? `Published by <strong>${escapeHtml(client.clientDomain)}</strong>.`
    : "This application registered itself; its name is not verified.";
}

/** A self-chosen name is flagged where the eye lands, not only in the small print. */
function verificationBadge(client: ConsentDescription): string {
  return client.clientDomain ? "" : ` <span class="badge">Unverified</span>`;
}

export function consentPage({ identity, client, handle }: ConsentPageContent): Response {
  const name = escapeHtml(client.clientName);
  const who = identity.name ? `${escapeHtml(identity.name)} (${escapeHtml(identity.email)})` : escapeHtml(identity.email);
  const loopbackWarning = client.redirectIsLoopback
    ? `<p class="warning"><strong>Access goes to an application on this computer.</strong> Continue only if you just started connecting from it.</p>`
    : "";
  return htmlPage(
    `Allow ${client.clientName}?`,
    `<p class="who">Signed in as ${who}</p>
<h1>Allow <em>${name}</em> to use ${PRODUCT_NAME} as you?</h1>
<dl>
  <dt>Application</dt><dd>${name}${verificationBadge(client)}<br><span class="note">${clientOrigin(client)}</span></dd>
  <dt>Access sent to</dt><dd><code>${escapeHtml(client.redirectHost)}</code></dd>
</dl>
${loopbackWarning}
<p>It will be able to:</p>
<ul>
  <li>ask for <strong>single-use, short-lived claim tickets</strong> for the secrets your access policy allows, which its scripts redeem into environment variables (the secret values are never shown to the model);</li>
  <li>search the secrets you may use (names, folders and field names, <strong>never values</strong>);</li>
  <li>revoke the tickets it asked for;</li>
  <li>see your name, email address and groups.</li>
</ul>
<form method="post" action="/consent">
  <input type="hidden" name="handle" value="${escapeHtml(handle)}">
  <button type="submit" name="decision" value="deny">Deny</button>
  <button type="submit" name="decision" value="approve" class="approve">Approve</button>
</form>
<p class="note">If you approve, ${PRODUCT_NAME} will not ask again for this application for 30 days. If you did not start this, choose Deny.</p>
<p class="note audit">Every ticket this application asks for, and every use of one, is recorded in ${PRODUCT_NAME}'s audit trail with your email address and the application's id.</p>`,
  );
}
