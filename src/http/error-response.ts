// The one place where errors become HTTP responses. Only the stable code and the public message
// go on the wire; anything else (a bug, an upstream body) becomes a bare 500.
import type { Context } from "hono";
import { ClaimcheckError } from "../errors";
import { logEvent } from "../log";

export const NO_STORE_HEADERS = {
  "Cache-Control": "no-store",
  Pragma: "no-cache",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
} as const;

const PRINTABLE_ASCII = /^[\x20-\x7e]{0,300}$/;

export function errorResponse(err: unknown): Response {
  const known = err instanceof ClaimcheckError ? err : undefined;
  if (!known) logEvent("error", "unhandled", { error: err instanceof Error ? err.name : typeof err });
  else if (known.status >= 500) logEvent("error", known.message, { code: known.code, detail: known.detail });
  const body = known ? known.toJSON() : { error: "INTERNAL", message: "Internal error." };
  const headers: Record<string, string> = { ...NO_STORE_HEADERS, "Content-Type": "application/json" };
  if (known?.retryAfter !== undefined) headers["Retry-After"] = String(Math.ceil(known.retryAfter));
  // The public message again, for scripts that cannot read a body on failure (curl -f): a waiting
  // snippet prints it on stderr. A message built from outside text may not fit a header: code only.
  if (known) headers["Claimcheck-Error"] = PRINTABLE_ASCII.test(known.message) ? `${known.code}: ${known.message}` : known.code;
  if (known?.code === "UNAUTHORIZED" || known?.code === "TICKET_INVALID" || known?.code === "CI_TOKEN_REJECTED") {
    headers["WWW-Authenticate"] = 'Bearer error="invalid_token"';
  }
  return new Response(JSON.stringify(body), { status: known?.status ?? 500, headers });
}

/** Hono's onError: every thrown error goes through errorResponse. */
export function onError(err: Error, _c: Context): Response {
  return errorResponse(err);
}
