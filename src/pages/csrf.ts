// CSRF defence for every form on claimcheck's pages. The session cookie is SameSite=Lax, so
// browsers already keep it off cross-site posts; on top, each form carries the session's random
// token (synchronizer token: a forger cannot read it) and a foreign Origin is refused outright.
import type { Context } from "hono";
import { sameValue } from "../auth/digest";
import type { Config } from "../config";
import { ClaimcheckError } from "../errors";
import type { BrowserSession } from "./browser-session";
import { escapeHtml } from "./layout";

/** The form field that carries the token. */
export const CSRF_FIELD = "csrf";

/** The hidden input to put inside every <form method="post"> of a page. */
export function csrfField(session: BrowserSession): string {
  return `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(session.csrf)}">`;
}

function rejected(detail: string): ClaimcheckError {
  return new ClaimcheckError("CSRF_REJECTED", { detail });
}

/**
 * Throws CSRF_REJECTED (403) unless the form's token is the session's and the Origin, when the
 * browser sends one, is ours. The reasons differ only in `detail`, which stays in the log.
 */
export function checkCsrf(c: Context, config: Config, session: BrowserSession, form: Record<string, unknown>): void {
  // "null" (a sandboxed frame, a no-referrer document) is not our origin either.
  const origin = c.req.header("Origin");
  if (origin !== undefined && origin !== config.publicUrl) throw rejected("csrf_cross_origin");
  const token = form[CSRF_FIELD];
  if (typeof token !== "string") throw rejected("csrf_token_missing");
  // Constant time: a timing side channel must not reveal the token a byte at a time.
  if (!sameValue(token, session.csrf)) throw rejected("csrf_token_mismatch");
}
