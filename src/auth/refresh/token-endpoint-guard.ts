// In front of the OAuth provider's token endpoint: a document client taken off
// CLIENT_ID_METADATA_ALLOWED is refused first (client-metadata/document-gate.ts). Then every
// refresh token the provider issues is entered in its grant's ledger (refresh-ledger.ts), and
// every refresh request is checked there first. A
// rotated-out token presented again revokes the whole grant (every access and refresh token of it,
// through the provider's revokeGrant), is audited as `refresh_replay` with the grant's user and
// client, and gets the same `invalid_grant` answer as any dead token, so the replayer cannot tell
// that it was caught. Everything else passes through to the provider unchanged.
import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { z } from "zod";
import { recordAudit } from "../../audit/audit-log";
import { loadConfig } from "../../config";
import { sha256Hex } from "../../digest";
import { logEvent } from "../../log";
import { refusedAtTokenEndpoint } from "../client-metadata/document-gate";
import { Identity } from "../identity";
import type { GrantOwner, ReplayReason } from "./refresh-reuse";

export type TokenEndpointDeps = {
  helpers: OAuthHelpers;
  /** The OAuth provider, which answers the request itself. */
  forward: (request: Request) => Promise<Response>;
};

type GrantRef = { userId: string; grantId: string };

/** The parts of the provider's tokens: base64url user id and grant id, each well under this. */
const TOKEN_PART = /^[A-Za-z0-9_-]{1,128}$/;

/** What a successful token answer carries that the ledger needs (the values are only hashed). */
const IssuedTokens = z.object({ access_token: z.string().min(1), refresh_token: z.string().min(1).optional() });

/** The grant a provider token names: `userId:grantId:secret`, split exactly as the provider splits it. */
function grantOf(token: string): GrantRef | undefined {
  const parts = token.split(":");
  if (parts.length !== 3 || !TOKEN_PART.test(parts[0]!) || !TOKEN_PART.test(parts[1]!)) return undefined;
  return { userId: parts[0]!, grantId: parts[1]! };
}

function ledgerOf(env: Env, grant: GrantRef) {
  return env.REFRESH_LEDGER.get(env.REFRESH_LEDGER.idFromName(`${grant.userId}:${grant.grantId}`));
}

/** The provider's own answer to a refresh token it does not know, so a caught replay looks like any dead token. */
function invalidGrant(): Response {
  return Response.json(
    { error: "invalid_grant", error_description: "Invalid refresh token" },
    { status: 400, headers: { "Cache-Control": "no-store", Pragma: "no-cache" } },
  );
}

async function formOf(request: Request): Promise<URLSearchParams | undefined> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return undefined;
  return new URLSearchParams(new TextDecoder().decode(await request.clone().arrayBuffer()));
}

async function issuedTokens(response: Response): Promise<z.infer<typeof IssuedTokens> | undefined> {
  if (response.status !== 200) return undefined;
  const parsed = IssuedTokens.safeParse(await response.clone().json().catch(() => undefined));
  return parsed.success ? parsed.data : undefined;
}

/** Whose grant this is, from the access token just issued (the provider decrypts its props). */
async function ownerOf(helpers: OAuthHelpers, accessToken: string): Promise<GrantOwner | undefined> {
  const summary = await helpers.unwrapToken(accessToken);
  const who = Identity.safeParse(summary?.grant.props);
  if (!summary || !who.success) return undefined;
  return { subject: who.data.sub, email: who.data.email, clientId: summary.grant.clientId };
}

async function revokeForReplay(request: Request, env: Env, deps: TokenEndpointDeps, grant: GrantRef, reason: ReplayReason, owner: GrantOwner | undefined) {
  // The ledger refuses every token of the grant from now on, so even a failed revocation here
  // leaves nothing that refreshes; access tokens already out would still live their 15 minutes.
  await deps.helpers.revokeGrant(grant.grantId, grant.userId).catch((err: unknown) => {
    logEvent("error", "grant revocation after a refresh replay failed", { event: "refresh_replay", error: err instanceof Error ? err.name : "unknown" });
  });
  logEvent("warn", "rotated-out refresh token presented; grant revoked", { event: "refresh_replay", outcome: reason, clientId: owner?.clientId });
  await recordAudit(env.DB, {
    event: "refresh_replay",
    outcome: reason,
    subject: owner?.subject,
    email: owner?.email,
    clientId: owner?.clientId,
    clientIp: request.headers.get("CF-Connecting-IP") ?? undefined,
    userAgent: request.headers.get("User-Agent") ?? undefined,
  });
  return invalidGrant();
}

async function refreshChecked(request: Request, env: Env, deps: TokenEndpointDeps, token: string): Promise<Response> {
  const grant = grantOf(token);
  if (!grant) return deps.forward(request); // not one of ours: the provider refuses it
  const ledger = ledgerOf(env, grant);
  const hash = await sha256Hex(token);
  const { verdict, owner } = await ledger.present(hash);
  if (verdict.kind === "revoked") return invalidGrant();
  if (verdict.kind === "replay") return revokeForReplay(request, env, deps, grant, verdict.reason, owner);
  const response = await deps.forward(request);
  const issued = await issuedTokens(response);
  if (!issued?.refresh_token) return response;
  const recorded = await ledger.issued(hash, await sha256Hex(issued.refresh_token), owner ?? (await ownerOf(deps.helpers, issued.access_token)));
  if (recorded.replay !== undefined) return revokeForReplay(request, env, deps, grant, recorded.replay, recorded.owner);
  return response;
}

async function codeExchangeRecorded(env: Env, deps: TokenEndpointDeps, request: Request): Promise<Response> {
  const response = await deps.forward(request);
  const issued = await issuedTokens(response);
  const grant = issued?.refresh_token === undefined ? undefined : grantOf(issued.refresh_token);
  if (!issued?.refresh_token || !grant) return response;
  await ledgerOf(env, grant).issued(null, await sha256Hex(issued.refresh_token), await ownerOf(deps.helpers, issued.access_token));
  return response;
}

/** POST {TOKEN_ENDPOINT}: the provider's answer, with refresh tokens entered in and checked against their grant's ledger. */
export async function guardTokenEndpoint(request: Request, env: Env, deps: TokenEndpointDeps): Promise<Response> {
  const form = await formOf(request);
  const refused = refusedAtTokenEndpoint(loadConfig(env), form?.get("client_id"));
  if (refused) return refused;
  switch (form?.get("grant_type")) {
    case "refresh_token":
      return refreshChecked(request, env, deps, form!.get("refresh_token") ?? "");
    case "authorization_code":
      return codeExchangeRecorded(env, deps, request);
    default:
      return deps.forward(request);
  }
}
