// The signing keys of a trusted CI issuer: its discovery document names the JWKS (see
// src/jwt/remote-key-set.ts for caching and rotation). Only issuers named in CI_TRUST are ever
// fetched: the token's own claims never choose a URL.
import type { JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { requestIdpJson } from "../auth/oidc/idp-request";
import { secureUrlString } from "../config";
import { ClaimcheckError } from "../errors";
import { remoteKeySet } from "../jwt/remote-key-set";

/** Where the keys live rarely changes; an hour bounds how long a moved JWKS keeps failing. */
const DISCOVERY_CACHE_MS = 60 * 60_000;
// CI issuers publish no authorization endpoint (GitHub's document has only the issuer, the JWKS
// and what it signs), so this is not the sign-in provider's schema.
const IssuerMetadata = z.object({
  issuer: z.string(),
  jwks_uri: secureUrlString,
});

const discovered = new Map<string, { jwksUri: string; fetchedAt: number }>();

function unavailable(detail: string): ClaimcheckError {
  return new ClaimcheckError("CI_ISSUER_UNAVAILABLE", { detail });
}

async function jwksUriOf(issuer: string): Promise<string> {
  const cached = discovered.get(issuer);
  if (cached && Date.now() - cached.fetchedAt < DISCOVERY_CACHE_MS) return cached.jwksUri;
  // OIDC Discovery 4.1: drop a trailing slash from the issuer, then append the well-known path.
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let metadata: z.infer<typeof IssuerMetadata>;
  try {
    metadata = await requestIdpJson(url, { headers: { Accept: "application/json" } }, IssuerMetadata, "ci_discovery");
  } catch (err) {
    throw unavailable(err instanceof ClaimcheckError && err.detail ? err.detail : "ci_discovery_failed");
  }
  // A document naming another issuer could hand us an attacker's keys (OIDC Discovery 4.3).
  if (metadata.issuer !== issuer) throw unavailable("ci_discovery_issuer_mismatch");
  discovered.set(issuer, { jwksUri: metadata.jwks_uri, fetchedAt: Date.now() });
  return metadata.jwks_uri;
}

/** The key lookup jose verifies this issuer's tokens with; cached per isolate. */
export async function issuerKeys(issuer: string): Promise<JWTVerifyGetKey> {
  return remoteKeySet(await jwksUriOf(issuer));
}
