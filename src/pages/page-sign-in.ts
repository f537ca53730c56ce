// Sign-in to claimcheck's own pages through the same SSO as the OAuth front door. A page asks
// requirePageSession for the person's session; without one, the browser goes to the IdP with a
// single-use `page-sign-in` state, comes back to the one registered /callback, which hands the
// state to finishPageSignIn: the IdP's answer is verified exactly as for OAuth (signInAtIdp), a
// browser session starts and the browser returns to the page. The state is bound to the browser
// that left (browser-binding.ts), so nobody can sign someone else's browser in as themselves.
import type { Context } from "hono";
import { sendToIdp, signInAtIdp } from "../auth/oidc/sign-in-at-idp";
import { SameOriginPath, type PendingPageSignIn } from "../auth/sign-in-state";
import type { Config } from "../config";
import { ClaimcheckError } from "../errors";
import { browserSessionOf, startBrowserSession, type BrowserSession } from "./browser-session";
import { redirectTo } from "./redirect";

/** The shared checks speak to MCP users ("start again from your MCP client"); a page's user reopens the page. */
const PAGE_SIGN_IN_FAILED = "Sign-in could not be completed. Open the page again to retry.";

function signInFailed(detail: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail });
}

/**
 * `returnTo` as an absolute URL on our origin, or undefined. The path rule (SameOriginPath) is
 * what keeps other hosts out; resolving it and comparing origins is a second, independent check
 * right where the redirect is built (an open redirect after SSO is a phishing tool).
 */
function sameOriginUrl(config: Config, returnTo: string): string | undefined {
  if (!SameOriginPath.safeParse(returnTo).success) return undefined;
  const url = new URL(returnTo, config.publicUrl);
  return url.origin === config.publicUrl ? url.href : undefined;
}

/**
 * The person's session, or the redirect (a Response to return as is) that signs them in and
 * brings them back to `returnTo`: a path on this origin, such as the page's own path and query.
 */
export async function requirePageSession<E extends { Bindings: Env }>(
  c: Context<E>,
  config: Config,
  returnTo: string,
): Promise<BrowserSession | Response> {
  // Checked even with a session, so a bad returnTo fails the same way every time.
  if (sameOriginUrl(config, returnTo) === undefined) {
    throw new ClaimcheckError("BAD_REQUEST", { detail: "page_return_to_not_same_origin" });
  }
  const session = await browserSessionOf(c, config);
  if (session) return session;
  const { location, setCookie } = await sendToIdp(c, config, { kind: "page-sign-in", returnTo });
  return redirectTo(location, setCookie);
}

/** /callback for a page sign-in whose state the caller already took (once): session, then back. */
export async function finishPageSignIn<E extends { Bindings: Env }>(
  c: Context<E>,
  config: Config,
  pending: PendingPageSignIn,
): Promise<Response> {
  try {
    // Declined or failed at the IdP: no session, and nothing to tell a client.
    if (c.req.query("error") !== undefined) throw signInFailed("page_sign_in_declined_at_idp");
    const identity = await signInAtIdp(config, pending, { code: c.req.query("code"), iss: c.req.query("iss") });
    const returnTo = sameOriginUrl(config, pending.returnTo);
    if (returnTo === undefined) throw signInFailed("page_return_to_not_same_origin");
    return redirectTo(returnTo, await startBrowserSession(c, config, identity));
  } catch (err) {
    // Same code and detail for the log; only the words on the page change.
    if (err instanceof ClaimcheckError && err.code === "SIGN_IN_FAILED") {
      throw new ClaimcheckError("SIGN_IN_FAILED", { detail: err.detail, message: PAGE_SIGN_IN_FAILED });
    }
    throw err;
  }
}
