// The signing keys of a trusted CI issuer: its discovery document names the JWKS, which jose fetches
// and caches. A token with a `kid` the cache lacks makes jose fetch the set again (at most once per
// cooldown), so an issuer's key rotation needs no restart. Only issuers named in CI_TRUST are ever
// fetched: the token's own claims never choose a URL.
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { requestIdpJson } from "../auth/oidc/idp-request";
import { isSecureOrLoopback } from "../config";
import { ClaimcheckError } from "../errors";

/** Where the keys live rarely changes; an hour bounds how long a moved JWKS keeps failing. */
const DISCOVERY_CACHE_MS = 60 * 60_000;
const JWKS_TIMEOUT_MS = 5_000;
/** At most one refetch per 30 s per isolate for an unknown `kid`, so junk tokens cannot hammer the issuer. */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched at least this often even when every `kid` is known, so removed keys go away. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

// CI issuers publish no authorization endpoint (GitHub's document has only the issuer, the JWKS
// and what it signs), so this is not the sign-in provider's schema.
const IssuerMetadata = z.object({
  issuer: z.string(),
  jwks_uri: z.url().refine((s) => isSecureOrLoopback(new URL(s))),
});

const discovered = new Map<string, { jwksUri: string; fetchedAt: number }>();
const keySets = new Map<string, JWTVerifyGetKey>();

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
  const jwksUri = await jwksUriOf(issuer);
  let keySet = keySets.get(jwksUri);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
    });
    keySets.set(jwksUri, keySet);
  }
  return keySet;
}
