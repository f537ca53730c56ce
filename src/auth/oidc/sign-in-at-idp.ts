// The round trip through the company's OpenID provider, shared by both sign-ins that use it: the
// OAuth sign-in of an MCP client's user (GET /authorize) and the sign-in to claimcheck's own pages
// (src/pages/page-sign-in.ts). sendToIdp starts it; signInAtIdp verifies what came back to
// /callback. One code path for both, so a page session is vouched for exactly like an OAuth grant.
import type { Context } from "hono";
import type { Config } from "../../config";
import { ClaimcheckError } from "../../errors";
import { bindBrowser } from "../../pages/browser-binding";
import { randomHandle, sha256Base64url } from "../digest";
import type { Identity } from "../identity";
import { holdSignInState, SIGN_IN_TTL_MS, type PendingPageSignIn, type PendingSignIn } from "../sign-in-state";
import { idpAuthorizationUrl } from "./authorization-request";
import { discoverProvider } from "./discovery";
import { verifyIdToken } from "./id-token";
import { resolveIdentity } from "./identity-claims";
import { exchangeCode } from "./token-exchange";

/** The only redirect URI registered at the IdP, for both kinds of sign-in. */
export function idpCallbackUrl(config: Config): string {
  return `${config.publicUrl}/callback`;
}

/** What a sign-in is for; sendToIdp adds the PKCE verifier, the nonce and the browser binding. */
export type SignInPurpose = Pick<PendingSignIn, "kind" | "authRequest"> | Pick<PendingPageSignIn, "kind" | "returnTo">;

export type IdpRedirect = { location: string; setCookie: string };

/** Holds a single-use state record for `purpose` and returns the redirect to the IdP. */
export async function sendToIdp<E extends { Bindings: Env }>(
  c: Context<E>,
  config: Config,
  purpose: SignInPurpose,
): Promise<IdpRedirect> {
  const provider = await discoverProvider(config.oidc.issuer);
  const browser = await bindBrowser(c, config.publicUrl);
  const codeVerifier = randomHandle();
  const nonce = randomHandle();
  const state = await holdSignInState(c.env, { ...purpose, codeVerifier, nonce, browser: browser.digest }, SIGN_IN_TTL_MS);
  const location = idpAuthorizationUrl(provider, config.oidc, {
    redirectUri: idpCallbackUrl(config),
    state,
    nonce,
    codeChallenge: await sha256Base64url(codeVerifier),
  });
  return { location, setCookie: browser.setCookie };
}

/** The IdP's answer on /callback, beyond `state` (which the caller took already). */
export type IdpAnswer = { code?: string | undefined; iss?: string | undefined };

function signInFailed(detail: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail });
}

/**
 * Verifies the IdP's answer for the sign-in `pending` started: issuer (RFC 9207), code exchange
 * with the PKCE verifier, ID token with the nonce. Only the Identity built from verified claims
 * comes out; the IdP's tokens end here.
 */
export async function signInAtIdp(
  config: Config,
  pending: { codeVerifier: string; nonce: string },
  answer: IdpAnswer,
): Promise<Identity> {
  // RFC 9207: an IdP that names itself must be the one we sent the user to (mix-up defence).
  if (answer.iss !== undefined && answer.iss !== config.oidc.issuer) throw signInFailed("callback_issuer_mismatch");
  if (!answer.code) throw signInFailed("callback_without_code");
  const provider = await discoverProvider(config.oidc.issuer);
  const tokens = await exchangeCode(provider, config.oidc, {
    code: answer.code,
    codeVerifier: pending.codeVerifier,
    redirectUri: idpCallbackUrl(config),
  });
  const idToken = await verifyIdToken(tokens.id_token, {
    issuer: config.oidc.issuer,
    clientId: config.oidc.clientId,
    nonce: pending.nonce,
    jwksUri: provider.jwks_uri,
  });
  return resolveIdentity({
    idToken,
    groupsClaim: config.oidc.groupsClaim,
    userinfoEndpoint: provider.userinfo_endpoint,
    accessToken: tokens.access_token,
    emailVerifiedAssumed: config.oidc.emailVerifiedAssumed,
  });
}
