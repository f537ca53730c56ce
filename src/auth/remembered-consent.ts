// Approvals the user already gave, so the consent page appears once per user, client, redirect
// URI and resource. Kept server-side in OAUTH_KV (consent comes after SSO, so the user is known;
// KV's eventual consistency only means a fresh approval may be asked for once more elsewhere).
// Key: consent-approval:<userId>:<sha256(clientId, redirectUri, resource)>; TTL 30 days.
import { z } from "zod";
import { sha256Base64url } from "./digest";

/** A month: long enough not to nag, short enough that a forgotten client is asked about again. */
const REMEMBER_SECONDS = 30 * 24 * 60 * 60;

const Approval = z.object({ approvedAt: z.number() });

export type ApprovedRequest = { clientId: string; redirectUri: string; resource?: string | undefined };

async function keyFor(userId: string, request: ApprovedRequest): Promise<string> {
  const client = await sha256Base64url(JSON.stringify([request.clientId, request.redirectUri, request.resource ?? ""]));
  return `consent-approval:${userId}:${client}`;
}

export async function isConsentRemembered(kv: KVNamespace, userId: string, request: ApprovedRequest): Promise<boolean> {
  const stored = await kv.get(await keyFor(userId, request), "json");
  return Approval.safeParse(stored).success;
}

export async function rememberConsent(kv: KVNamespace, userId: string, request: ApprovedRequest): Promise<void> {
  await kv.put(await keyFor(userId, request), JSON.stringify({ approvedAt: Date.now() }), { expirationTtl: REMEMBER_SECONDS });
}
