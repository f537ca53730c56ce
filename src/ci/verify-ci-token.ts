// Verifies a CI runner's OpenID Connect token with jose: the issuer must be one CI_TRUST names
// (chosen by the exact `iss`, before any fetch), the signature must check against that issuer's
// published keys with an allowed asymmetric algorithm, `aud` must be exactly the configured
// audience, `exp`/`nbf`/`iat` must hold with a small leeway, and the token must be young. Every
// failure is one public CI_TOKEN_REJECTED; the detail names the check for the audit.
import { decodeJwt, jwtVerify, type JWTPayload } from "jose";
import { ClaimcheckError } from "../errors";
import { jwtRejectionOf, type JwtRejection } from "../jwt/jwt-rejection";
import type { CiTrust, IssuerTrust } from "./ci-trust";
import { issuerKeys } from "./issuer-keys";

/** Clock skew forgiven between the CI issuer and us. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Longer than any `jti` GitHub or GitLab issues; bounds what the replay store keeps. */
const MAX_JTI_CHARS = 256;

export type CiTokenRejection = JwtRejection | "untrusted_issuer";

export type CiTokenClaims = JWTPayload & { iss: string; sub: string; jti: string; iat: number; exp: number };

export type VerifiedCiToken = { trust: IssuerTrust; claims: CiTokenClaims };

export function rejected(reason: CiTokenRejection | "replayed"): ClaimcheckError {
  return new ClaimcheckError("CI_TOKEN_REJECTED", { detail: reason });
}

/** A token jose refused is rejected; keys that cannot be fetched or used are the issuer's outage. */
function rejectionOf(err: unknown): ClaimcheckError {
  const reason = jwtRejectionOf(err);
  return reason ? rejected(reason) : new ClaimcheckError("CI_ISSUER_UNAVAILABLE", { detail: "ci_keys_unavailable" });
}

/** The trusted issuer the token claims to come from (unverified: only used to pick what to check against). */
function trustFor(token: string, trust: CiTrust): IssuerTrust {
  let iss: unknown;
  try {
    ({ iss } = decodeJwt(token));
  } catch {
    throw rejected("malformed");
  }
  const found = trust.find((t) => t.issuer === iss);
  if (!found) throw rejected("untrusted_issuer");
  return found;
}

/** One audience, exactly ours: a token also meant for another service could be replayed there. */
function hasOnlyAudience(aud: JWTPayload["aud"], audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === audience);
}

export async function verifyCiToken(token: string, trust: CiTrust, now: Date = new Date()): Promise<VerifiedCiToken> {
  const issuerTrust = trustFor(token, trust);
  const keys = await issuerKeys(issuerTrust.issuer);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer: issuerTrust.issuer,
      audience: issuerTrust.audience,
      algorithms: issuerTrust.algorithms,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: issuerTrust.maxTokenAgeSeconds,
      requiredClaims: ["sub", "jti", "iat", "exp"],
      currentDate: now,
    }));
  } catch (err) {
    throw rejectionOf(err);
  }
  if (!hasOnlyAudience(payload.aud, issuerTrust.audience)) throw rejected("audience");
  const { sub, jti } = payload;
  if (typeof sub !== "string" || sub.length === 0) throw rejected("claims");
  if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI_CHARS) throw rejected("claims");
  return { trust: issuerTrust, claims: payload as CiTokenClaims };
}
