// Why jose refused a JWT, in our words. Callers turn the reason into their own public error (one
// answer for every reason) and keep the reason for the audit or the log.

export type JwtRejection =
  | "expired"
  | "too_old"
  | "not_yet_valid"
  | "issued_in_future"
  | "claim_missing"
  | "claim_malformed"
  | "issuer"
  | "audience"
  | "claims"
  | "algorithm"
  | "signature"
  | "unknown_key"
  | "malformed";

/** The reason for a jose error, or undefined when it is not about the token (keys could not be fetched). */
export function jwtRejectionOf(err: unknown): JwtRejection | undefined {
  const { code, claim, reason } = err instanceof Error ? (err as Error & { code?: unknown; claim?: unknown; reason?: unknown }) : {};
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return claim === "iat" ? "too_old" : "expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      // An absent (or non-numeric) time claim is not a timing problem: jose reports both under the
      // claim's name, which used to read as "issued in the future".
      if ((claim === "iat" || claim === "nbf") && reason === "missing") return "claim_missing";
      if ((claim === "iat" || claim === "nbf") && reason === "invalid") return "claim_malformed";
      if (claim === "nbf") return "not_yet_valid";
      if (claim === "iat") return "issued_in_future";
      if (claim === "iss") return "issuer";
      if (claim === "aud") return "audience";
      return "claims";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "algorithm";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "signature";
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return "unknown_key";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "malformed";
    default:
      return undefined;
  }
}
