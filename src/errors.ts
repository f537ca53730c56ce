// One error family for the whole Worker. Each error has a stable `code` that callers switch on
// and a public message that is safe to show to a user, an agent or a log: it never contains a
// secret value, a ticket, a token or an upstream body. Internal detail (a status code, which
// check failed) goes to the audit trail, not to the wire.

export type ErrorCode =
  | "CONFIG_INVALID"
  | "BAD_REQUEST"
  | "PAYLOAD_TOO_LARGE"
  | "ROUTE_NOT_FOUND"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "TICKET_INVALID"
  | "TICKET_IN_FLIGHT"
  | "APPROVAL_PENDING"
  | "APPROVAL_DENIED"
  | "APPROVAL_EXPIRED"
  | "COMMENT_REQUIRED"
  | "SECRET_CHECKED_OUT"
  | "VALUE_UNSUPPORTED"
  | "DEPOSIT_REFUSED"
  | "RATE_LIMITED"
  | "UPSTREAM_UNAVAILABLE"
  | "UPSTREAM_BAD_RESPONSE"
  | "SIGN_IN_FAILED"
  | "IDP_UNAVAILABLE"
  | "CSRF_REJECTED"
  | "CI_TOKEN_REJECTED"
  | "CI_ISSUER_UNAVAILABLE";

const PUBLIC_MESSAGES: Record<ErrorCode, string> = {
  CONFIG_INVALID: "The server is misconfigured; ask its operator to check the settings.",
  BAD_REQUEST: "The request is malformed.",
  PAYLOAD_TOO_LARGE: "The request body is too large.",
  ROUTE_NOT_FOUND: "No such endpoint.",
  UNAUTHORIZED: "Authentication is required.",
  FORBIDDEN: "You are not allowed to access this secret.",
  NOT_FOUND: "No such secret, or you are not allowed to access it.",
  TICKET_INVALID: "The ticket is invalid, expired or already used.",
  TICKET_IN_FLIGHT: "The ticket is being redeemed by another request.",
  // Only someone holding the whole ticket gets these: they say nothing to a guesser.
  APPROVAL_PENDING: "Waiting for approval; try again shortly.",
  APPROVAL_DENIED: "The request for this secret was denied.",
  APPROVAL_EXPIRED: "The request for this secret expired before anyone approved it.",
  COMMENT_REQUIRED: "This secret requires a comment; ask again with a comment saying why you need it.",
  SECRET_CHECKED_OUT: "The secret is checked out by someone else; try again later.",
  VALUE_UNSUPPORTED: "The secret's value contains a NUL byte, which no environment variable can hold.",
  DEPOSIT_REFUSED: "The value was refused; nothing was stored.",
  RATE_LIMITED: "Too many requests; try again shortly.",
  UPSTREAM_UNAVAILABLE: "Secret Server is unavailable; try again shortly.",
  UPSTREAM_BAD_RESPONSE: "Secret Server gave an answer that could not be understood.",
  // One message for every sign-in failure (expired, replayed, forged, bad ID token), so the
  // page does not tell a prober which check failed; the reason goes to the log as `detail`.
  SIGN_IN_FAILED: "Sign-in could not be completed. Start again from your MCP client.",
  IDP_UNAVAILABLE: "The sign-in provider is unavailable; try again shortly.",
  // One message for a missing or wrong form token and a foreign Origin: a forger learns nothing.
  CSRF_REJECTED: "This form could not be accepted. Reload the page and try again.",
  // One message for every reason a CI token is refused (signature, issuer, audience, time, replay),
  // so a prober cannot tell which check failed; the audit keeps the reason.
  CI_TOKEN_REJECTED: "The CI token was not accepted: it is invalid, expired, already used or from an untrusted issuer.",
  CI_ISSUER_UNAVAILABLE: "The CI token's issuer could not be reached to check its signature; try again shortly.",
};

const HTTP_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  ROUTE_NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TICKET_INVALID: 401,
  TICKET_IN_FLIGHT: 409,
  // 503 with Retry-After: curl's --retry waits and asks again, in every shell, with no loop of ours.
  APPROVAL_PENDING: 503,
  APPROVAL_DENIED: 403,
  APPROVAL_EXPIRED: 403,
  COMMENT_REQUIRED: 400,
  SECRET_CHECKED_OUT: 409,
  VALUE_UNSUPPORTED: 422,
  DEPOSIT_REFUSED: 422,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  SIGN_IN_FAILED: 400,
  IDP_UNAVAILABLE: 502,
  CSRF_REJECTED: 403,
  CI_TOKEN_REJECTED: 401,
  CI_ISSUER_UNAVAILABLE: 502,
};

export class ClaimcheckError extends Error {
  override readonly name = "ClaimcheckError";
  readonly code: ErrorCode;
  /** Non-secret detail for logs and the audit trail (never shown on the wire). */
  readonly detail: string | undefined;
  /** Seconds the caller should wait before retrying, when known. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, options: { message?: string; detail?: string; retryAfter?: number } = {}) {
    super(options.message ?? PUBLIC_MESSAGES[code]);
    this.code = code;
    this.detail = options.detail;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  /** The body sent on the wire: the code and the public message, nothing else. */
  toJSON(): { error: ErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

export function isClaimcheckError(err: unknown): err is ClaimcheckError {
  return err instanceof ClaimcheckError;
}
