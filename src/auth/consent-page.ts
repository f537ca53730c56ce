// The consent page: shown once per user and MCP client (see remembered-consent.ts) before the
// client gets a token. It names the signed-in user, the client (a self-chosen name flagged as such
// in the heading itself), where the tokens will be sent (origin with port, and path), what the
// client will be able to do, and which secrets this user's policy allows today. Every
// client-supplied string is escaped: a client chooses its own name, URIs and redirect URI.
import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { escapeHtml, htmlPage, PRODUCT_NAME } from "../pages/layout";
import type { AccessRule } from "../policy/access-policy";
import type { Identity } from "./identity";

export type ConsentPageContent = {
  identity: Identity;
  client: ConsentDescription;
  handle: string;
  /** The ACCESS_POLICY rules that name this user (rulesFor). */
  rules: readonly AccessRule[];
};

function clientOrigin(client: ConsentDescription): string {
  if (!client.clientDomain) return "This application registered itself; its name is not verified.";
  // client_uri comes from the document the domain publishes; shown as text, never as a link.
  const site = client.clientUri && /^https:\/\//i.test(client.clientUri) ? `<br>Website: <code>${escapeHtml(client.clientUri)}</code>` : "";
  return `Published by <strong>${escapeHtml(client.clientDomain)}</strong>.${site}`;
}

/** A self-chosen name is flagged where the eye lands, not only in the small print. */
function verificationBadge(client: ConsentDescription): string {
  return client.clientDomain ? "" : ` <span class="badge">Unverified</span>`;
}

/** The heading's name: a registered client's name is its own claim, and the heading says so. */
function headingName(client: ConsentDescription): string {
  const name = `<em>${escapeHtml(client.clientName)}</em>`;
  return client.clientDomain ? name : `${name} (a name it gave itself)`;
}

/** Where the tokens go: origin with its port, and the path (the query is the client's business). */
function destination(client: ConsentDescription): string {
  if (!URL.canParse(client.redirectUri)) return client.redirectHost;
  const url = new URL(client.redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? `${url.origin}${url.pathname}` : client.redirectUri;
}

function secretsOf(rules: readonly AccessRule[], action: "read" | "write"): string[] {
  const chosen = rules.filter((r) => r.actions.includes(action));
  return [...new Set(chosen.flatMap((r) => [...(r.paths ?? []), ...(r.ids ?? []).map((id) => `id ${id}`)]))];
}

function allowedSecrets(rules: readonly AccessRule[]): string {
  const list = (items: string[]) => items.map((s) => `<code>${escapeHtml(s)}</code>`).join(", ");
  const read = secretsOf(rules, "read");
  const write = secretsOf(rules, "write");
  if (read.length === 0 && write.length === 0) return `<dd>None: your access policy allows you no secrets today.</dd>`;
  return `<dd>${read.length ? `Read: ${list(read)}` : "Read: none"}${write.length ? `<br>Write: ${list(write)}` : ""}</dd>`;
}

function writeAbility(rules: readonly AccessRule[]): string {
  if (secretsOf(rules, "write").length === 0) return "";
  return "  <li>create secrets, rotate passwords and store values where your policy allows writing (values pass through single-use tickets, never the model);</li>\n";
}

function unverifiedEmailNote(identity: Identity): string {
  return identity.emailVerified
    ? ""
    : `<p class="note">Your identity provider did not confirm that ${escapeHtml(identity.email)} is verified, so rules that name people by email do not apply to you.</p>`;
}

export function consentPage({ identity, client, handle, rules }: ConsentPageContent): Response {
  const name = escapeHtml(client.clientName);
  const who = identity.name ? `${escapeHtml(identity.name)} (${escapeHtml(identity.email)})` : escapeHtml(identity.email);
  const loopbackWarning = client.redirectIsLoopback
    ? `<p class="warning"><strong>Access goes to an application on this computer.</strong> Continue only if you just started connecting from it.</p>`
    : "";
  return htmlPage(
    `Allow ${client.clientName}?`,
    `<p class="who">Signed in as ${who}</p>
<h1>Allow ${headingName(client)} to use ${PRODUCT_NAME} as you?</h1>
<dl>
  <dt>Application</dt><dd>${name}${verificationBadge(client)}<br><span class="note">${clientOrigin(client)}</span></dd>
  <dt>Access sent to</dt><dd><code>${escapeHtml(destination(client))}</code></dd>
  <dt>Your secrets</dt>${allowedSecrets(rules)}
</dl>
${loopbackWarning}
<p>It will be able to:</p>
<ul>
  <li>ask for <strong>single-use, short-lived claim tickets</strong> for the secrets your access policy allows, which its scripts redeem into environment variables (the secret values are never shown to the model);</li>
  <li>search the secrets you may use (names, folders and field names, <strong>never values</strong>);</li>
${writeAbility(rules)}  <li>revoke the tickets it asked for;</li>
  <li>see your name, email address and groups.</li>
</ul>
${unverifiedEmailNote(identity)}
<form method="post" action="/consent">
  <input type="hidden" name="handle" value="${escapeHtml(handle)}">
  <button type="submit" name="decision" value="deny">Deny</button>
  <button type="submit" name="decision" value="approve" class="approve">Approve</button>
</form>
<p class="note">If you approve, ${PRODUCT_NAME} will not ask again for this application for 30 days. If you did not start this, choose Deny.</p>
<p class="note audit">Every ticket this application asks for, and every use of one, is recorded in ${PRODUCT_NAME}'s audit trail with your email address and the application's id.</p>`,
  );
}
