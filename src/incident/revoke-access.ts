// Incident revocation: cut one user, or one OAuth client, off claimcheck at once. OAuth grants go
// first (every access and refresh token with them), so the agent must sign in again and no new
// ticket is minted through them; then every live ticket of their sessions is revoked (outstanding
// scripts fail closed), leaving tombstones: a ticket redeemed before stays on record, and a later
// replay of it is still audited as `replay` with its owner. One `admin_revoke` row says who did it.
import type { GrantSummary, OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { recordAudit } from "../audit/audit-log";
import { userIdFor } from "../auth/identity";
import type { Config } from "../config";
import { sessionOf } from "../mcp/caller";
import type { SecretReader } from "../secret-server";
import type { RequestContext } from "../tickets/mint-ticket";
import { revokeSessionTickets } from "../tickets/revoke-tickets";

/** Who acted, from their browser session. */
export type Actor = { sub: string; email: string };

export type IncidentOutcome = {
  /** Live tickets revoked (tombstones of ended ones are not counted). */
  tickets: number;
  /** Grants revoked; for a client, every grant it held (the provider does not count them). */
  grants: number | "all";
  sessions: number;
};

/**
 * How far back a session can hold a live ticket: an approval waits up to an hour, then the ticket
 * lives up to 15 minutes. Sessions whose last mint is older have only tombstones.
 */
const LIVE_TICKET_WINDOW_MS = 2 * 60 * 60_000;

/** Revocations of sessions in flight at once. */
const PARALLEL_SESSIONS = 8;

type Withdraw = Pick<SecretReader, "withdrawAccessRequest">;

/**
 * Sessions that minted recently, by the audit trail. Mint rows reach D1 from each session's
 * outbox a moment after the mint, so a ticket minted in the last second or so can be missed here;
 * the user action also derives sessions from the grants it revokes, which has no such lag.
 */
async function mintedSessions(db: D1Database, column: "subject" | "client_id", value: string, now: number): Promise<string[]> {
  const since = new Date(now - LIVE_TICKET_WINDOW_MS).toISOString();
  const { results } = await db
    .prepare(`SELECT DISTINCT session FROM audit_events WHERE event = 'mint' AND ${column} = ?1 AND at >= ?2 AND session IS NOT NULL`)
    .bind(value, since)
    .all<{ session: string }>();
  return results.map((r) => r.session);
}

async function revokeSessions(env: Env, sessions: string[], context: RequestContext, source: Withdraw): Promise<number> {
  let revoked = 0;
  for (let i = 0; i < sessions.length; i += PARALLEL_SESSIONS) {
    const counts = await Promise.all(sessions.slice(i, i + PARALLEL_SESSIONS).map((s) => revokeSessionTickets(env, s, context, source)));
    revoked += counts.reduce((a, b) => a + b, 0);
  }
  return revoked;
}

async function allGrants(helpers: OAuthHelpers, userId: string): Promise<GrantSummary[]> {
  const grants: GrantSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await helpers.listUserGrants(userId, cursor === undefined ? {} : { cursor });
    grants.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return grants;
}

/** Remembered consents of the user: after an incident, the consent page is shown again. */
async function forgetConsents(kv: KVNamespace, userId: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: `consent-approval:${userId}:`, ...(cursor === undefined ? {} : { cursor }) });
    await Promise.all(page.keys.map((key) => kv.delete(key.name)));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
}

export type IncidentDeps = { env: Env; helpers: OAuthHelpers; config: Config; source: Withdraw; context: RequestContext; now?: number };

export async function revokeUserAccess(deps: IncidentDeps, subject: string, by: Actor): Promise<IncidentOutcome> {
  const { env, helpers, config } = deps;
  const now = deps.now ?? Date.now();
  const userId = await userIdFor(config.oidc.issuer, subject);
  const grants = await allGrants(helpers, userId);
  for (const grant of grants) await helpers.revokeGrant(grant.id, userId);
  await forgetConsents(env.OAUTH_KV, userId);
  // A grant names its session exactly (user and client); the trail adds sessions of grants that ended.
  const fromGrants = await Promise.all(grants.map((g) => sessionOf(subject, g.clientId)));
  const sessions = [...new Set([...fromGrants, ...(await mintedSessions(env.DB, "subject", subject, now))])];
  const tickets = await revokeSessions(env, sessions, deps.context, deps.source);
  const outcome = { tickets, grants: grants.length, sessions: sessions.length };
  await recordAudit(env.DB, {
    event: "admin_revoke",
    outcome: "ok",
    subject,
    ...deps.context,
    detail: { target: "user", by_sub: by.sub, by_email: by.email, tickets, grants: grants.length },
  });
  return outcome;
}

/**
 * The client's registration is deleted with its grants (the provider revokes them across all
 * users): a registered client registers again and its users sign in again; a client named by a
 * metadata document URL can sign its users in again at once, through SSO and consent.
 */
export async function revokeClientAccess(deps: IncidentDeps, clientId: string, by: Actor): Promise<IncidentOutcome> {
  const { env, helpers } = deps;
  const now = deps.now ?? Date.now();
  await helpers.deleteClient(clientId);
  const sessions = await mintedSessions(env.DB, "client_id", clientId, now);
  const tickets = await revokeSessions(env, sessions, deps.context, deps.source);
  await recordAudit(env.DB, {
    event: "admin_revoke",
    outcome: "ok",
    clientId,
    ...deps.context,
    detail: { target: "client", by_sub: by.sub, by_email: by.email, tickets, grants: "all" },
  });
  return { tickets, grants: "all", sessions: sessions.length };
}
