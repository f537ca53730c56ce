// Verifies the IdP's ID token (OIDC Core 3.1.3.7) with jose: signature against the issuer's JWKS
// (fetched by jose, refetched when an unknown `kid` appears, so key rotation needs no restart),
// an allowlist of asymmetric algorithms only (never `none`, never HMAC: an HMAC "key" would be
// the public key anyone can fetch), issuer, audience, expiry with a small leeway, and the nonce
// we sent. Every failure is one public SIGN_IN_FAILED; the detail names the failed check.
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { ClaimcheckError } from "../../errors";
import { sameValue } from "../digest";

const ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** Clock skew we forgive between the IdP and us. Small: an ID token is used seconds after issue. */
const CLOCK_TOLERANCE_SECONDS = 60;
/** An ID token is exchanged right after it is issued; an old one is a replay. */
const MAX_ID_TOKEN_AGE_SECONDS = 10 * 60;
const JWKS_TIMEOUT_MS = 5_000;
/** At most one refetch per 30 s when an unknown `kid` appears, so bad tokens cannot hammer the IdP. */
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_MAX_AGE_MS = 10 * 60_000;

export type IdTokenRejection =
  | "expired"
  | "issuer"
  | "audience"
  | "authorized_party"
  | "nonce"
  | "algorithm"
  | "signature"
  | "unknown_key"
  | "claims"
  | "malformed";

export type ExpectedIdToken = { issuer: string; clientId: string; nonce: string; jwksUri: string };

const keySets = new Map<string, JWTVerifyGetKey>();

function keySetFor(jwksUri: string): JWTVerifyGetKey {
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

function rejected(reason: IdTokenRejection): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail: `id_token_${reason}` });
}

/** Maps jose's error codes to our reasons; a key set that cannot be fetched is an IdP outage. */
function rejectionOf(err: unknown): ClaimcheckError {
  const { code, claim } = err instanceof Error ? (err as Error & { code?: unknown; claim?: unknown }) : { code: undefined, claim: undefined };
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return rejected("expired");
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      if (claim === "iss") return rejected("issuer");
      if (claim === "aud") return rejected("audience");
      return rejected("claims");
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return rejected("algorithm");
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return rejected("signature");
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return rejected("unknown_key");
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
    case "ERR_JOSE_NOT_SUPPORTED":
      return rejected("malformed");
    default:
      return new ClaimcheckError("IDP_UNAVAILABLE", { detail: "id_token_keys_unavailable" });
  }
}

export async function verifyIdToken(idToken: string, expected: ExpectedIdToken): Promise<JWTPayload & { sub: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keySetFor(expected.jwksUri), {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: MAX_ID_TOKEN_AGE_SECONDS,
      requiredClaims: ["sub", "iat", "exp"],
    }));
  } catch (err) {
    throw rejectionOf(err);
  }
  // OIDC Core 3.1.3.7 (4, 5): with several audiences `azp` must be us; if present it must be us.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== expected.clientId) throw rejected("authorized_party");
  if (typeof payload.nonce !== "string" || !sameValue(payload.nonce, expected.nonce)) throw rejected("nonce");
  if (typeof payload.sub !== "string" || payload.sub.length === 0) throw rejected("claims");
  return payload as JWTPayload & { sub: string };
}
