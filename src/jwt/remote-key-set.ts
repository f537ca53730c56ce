// The signing keys of an issuer we trust (the SSO provider, a CI issuer), fetched by jose from
// its JWKS and cached per isolate. A token with a `kid` the cache lacks makes jose fetch the set
// again, at most once per cooldown, so key rotation needs no restart and junk tokens cannot
// hammer the issuer.
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

const JWKS_TIMEOUT_MS = 5_000;
/** At most one refetch per 30 s per isolate when an unknown `kid` appears. */
const JWKS_COOLDOWN_MS = 30_000;
/** Keys are refetched at least this often even when every `kid` is known, so removed keys go away. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

const keySets = new Map<string, JWTVerifyGetKey>();

/** Only call with a JWKS URL from configuration or a verified discovery document, never from a token. */
export function remoteKeySet(jwksUri: string): JWTVerifyGetKey {
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
