// Verifies the IdP's ID token (OIDC Core 3.1.3.7) with jose: signature against the issuer's JWKS
// (fetched by jose, refetched when an unknown `kid` appears, so key rotation needs no restart),
// an allowlist of asymmetric algorithms only (never `none`, never HMAC: an HMAC "key" would be
// the public key anyone can fetch), issuer, audience, expiry with a small leeway, and the nonce
// we sent. Every failure is one public SIGN_IN_FAILED; the detail names the failed check.
import { jwtVerify, type JWTPayload } from "jose";
import { ClaimcheckError } from "../../errors";
import { jwtRejectionOf, type JwtRejection } from "../../jwt/jwt-rejection";
import { remoteKeySet } from "../../jwt/remote-key-set";
import { sameValue } from "../digest";

const ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** Clock skew we forgive between the IdP and us. Small: an ID token is used seconds after issue. */
const CLOCK_TOLERANCE_SECONDS = 60;
/** An ID token is exchanged right after it is issued; an old one is a replay. */
const MAX_ID_TOKEN_AGE_SECONDS = 10 * 60;
export type IdTokenRejection = JwtRejection | "authorized_party" | "nonce";

export type ExpectedIdToken = { issuer: string; clientId: string; nonce: string; jwksUri: string };

/** The detail names the failed check, and for a missing or malformed claim which one (`id_token_claim_missing:iat`). */
function rejected(reason: IdTokenRejection, claim?: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail: claim === undefined ? `id_token_${reason}` : `id_token_${reason}:${claim}` });
}

/** A token jose refused is a failed sign-in; keys that cannot be fetched are an IdP outage. */
function rejectionOf(err: unknown): ClaimcheckError {
  const reason = jwtRejectionOf(err);
  if (!reason) return new ClaimcheckError("IDP_UNAVAILABLE", { detail: "id_token_keys_unavailable" });
  // jose names the claim; it is one of ours (required or checked), never a value from the token.
  const claim = (err as { claim?: unknown }).claim;
  return rejected(reason, (reason === "claim_missing" || reason === "claim_malformed") && typeof claim === "string" ? claim : undefined);
}

export async function verifyIdToken(idToken: string, expected: ExpectedIdToken): Promise<JWTPayload & { sub: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, remoteKeySet(expected.jwksUri), {
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
