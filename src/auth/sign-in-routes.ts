// The interactive half of the OAuth front door. GET /authorize checks the MCP client's request and
// sends the user to the company's OpenID provider; GET /callback verifies who came back, then asks
// for consent (or finishes, if this user already approved this client); POST /consent takes the
// answer. Consent comes after SSO so the page can name the user and approvals are remembered per
// user; no authorization code reaches a client before the user approved it. The token,
// registration and metadata endpoints belong to the OAuth provider.
import {
  AuthorizationError,
  authorizationErrorRedirect,
  CimdFetchError,
  type AuthRequest,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { loadConfig, type Config } from "../config";
import { ClaimcheckError } from "../errors";
import { NO_STORE_HEADERS } from "../http/error-response";
import { logEvent } from "../log";
import { bindBrowser, browserBindingOf } from "./browser-binding";
import { consentPage } from "./consent-page";
import { randomHandle, sha256Base64url } from "./digest";
import { userIdFor, type Identity } from "./identity";
import { idpAuthorizationUrl } from "./oidc/authorization-request";
import { discoverProvider } from "./oidc/discovery";
import { verifyIdToken } from "./oidc/id-token";
import { resolveIdentity } from "./oidc/identity-claims";
import { exchangeCode } from "./oidc/token-exchange";
import { errorPage } from "./page";
import { isConsentRemembered, rememberConsent } from "./remembered-consent";
import {
  CONSENT_TTL_MS,
  holdSignInState,
  PendingConsent,
  PendingSignIn,
  SIGN_IN_TTL_MS,
  takeSignInState,
} from "./sign-in-state";

/** OAuthProvider hands its helpers to the default handler as env.OAUTH_PROVIDER. */
type SignInBindings = Env & { OAUTH_PROVIDER: OAuthHelpers };
type SignInContext = Context<{ Bindings: SignInBindings }>;

function callbackUrl(config: Config): string {
  return `${config.publicUrl}/callback`;
}

function signInFailed(detail: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail });
}

function redirect(location: string, setCookie?: string): Response {
  const headers = new Headers({ ...NO_STORE_HEADERS, Location: location });
  if (setCookie) headers.append("Set-Cookie", setCookie);
  return new Response(null, { status: 302, headers });
}

async function signInAtIdp(config: Config, pending: PendingSignIn, code: string): Promise<Identity> {
  const provider = await discoverProvider(config.oidc.issuer);
  const tokens = await exchangeCode(provider, config.oidc, {
    code,
    codeVerifier: pending.codeVerifier,
    redirectUri: callbackUrl(config),
  });
  const idToken = await verifyIdToken(tokens.id_token, {
    issuer: config.oidc.issuer,
    clientId: config.oidc.clientId,
    nonce: pending.nonce,
    jwksUri: provider.jwks_uri,
  });
  // The IdP's tokens end here: only the Identity built from verified claims goes on.
  return resolveIdentity({
    idToken,
    groupsClaim: config.oidc.groupsClaim,
    userinfoEndpoint: provider.userinfo_endpoint,
    accessToken: tokens.access_token,
  });
}

async function completeAuthorization(c: SignInContext, authRequest: AuthRequest, identity: Identity, userId: string) {
  const { redirectTo } = await c.env.OAUTH_PROVIDER.completeAuthorization({
    request: authRequest,
    userId,
    metadata: {},
    scope: [], // access is decided per secret by ACCESS_POLICY, not by OAuth scopes
    props: identity,
  });
  return redirect(redirectTo);
}

async function showConsent(c: SignInContext, config: Config, authRequest: AuthRequest, identity: Identity) {
  const client = await c.env.OAUTH_PROVIDER.describeConsent(authRequest);
  const browser = await bindBrowser(c, config.publicUrl);
  const handle = await holdSignInState(c.env, { kind: "consent", authRequest, identity, browser: browser.digest }, CONSENT_TTL_MS);
  const page = consentPage({ identity, client, handle });
  page.headers.append("Set-Cookie", browser.setCookie);
  return page;
}

export const signInRoutes = new Hono<{ Bindings: SignInBindings }>();

signInRoutes.get("/authorize", async (c) => {
  const config = loadConfig(c.env);
  const authRequest = await c.env.OAUTH_PROVIDER.parseAuthRequest(c.req.raw);
  // The provider lets confidential clients skip PKCE; OAuth 2.1 and MCP want S256 from every client.
  if (!authRequest.codeChallenge || authRequest.codeChallengeMethod !== "S256") {
    return redirect(authorizationErrorRedirect(authRequest, "invalid_request", "PKCE with code_challenge_method=S256 is required"));
  }
  const provider = await discoverProvider(config.oidc.issuer);
  const browser = await bindBrowser(c, config.publicUrl);
  const codeVerifier = randomHandle();
  const nonce = randomHandle();
  const state = await holdSignInState(
    c.env,
    { kind: "sign-in", authRequest, codeVerifier, nonce, browser: browser.digest },
    SIGN_IN_TTL_MS,
  );
  const location = idpAuthorizationUrl(provider, config.oidc, {
    redirectUri: callbackUrl(config),
    state,
    nonce,
    codeChallenge: await sha256Base64url(codeVerifier),
  });
  return redirect(location, browser.setCookie);
});

signInRoutes.get("/callback", async (c) => {
  const config = loadConfig(c.env);
  const pending = await takeSignInState(c.env, c.req.query("state"), await browserBindingOf(c, config.publicUrl), PendingSignIn);
  // The user declined at the IdP, or it failed there: the client gets a plain access_denied.
  if (c.req.query("error") !== undefined) return redirect(authorizationErrorRedirect(pending.authRequest, "access_denied"));
  // RFC 9207: an IdP that names itself must be the one we sent the user to (mix-up defence).
  const issuer = c.req.query("iss");
  if (issuer !== undefined && issuer !== config.oidc.issuer) throw signInFailed("callback_issuer_mismatch");
  const code = c.req.query("code");
  if (!code) throw signInFailed("callback_without_code");
  const identity = await signInAtIdp(config, pending, code);
  const userId = await userIdFor(config.oidc.issuer, identity.sub);
  if (await isConsentRemembered(c.env.OAUTH_KV, userId, pending.authRequest)) {
    return completeAuthorization(c, pending.authRequest, identity, userId);
  }
  return showConsent(c, config, pending.authRequest, identity);
});

signInRoutes.post("/consent", async (c) => {
  const config = loadConfig(c.env);
  // SameSite=Lax already keeps the binding cookie off cross-site posts; a foreign Origin is refused too.
  const origin = c.req.header("Origin");
  if (origin !== undefined && origin !== config.publicUrl) throw signInFailed("consent_cross_origin");
  // A body that is not a readable form (broken multipart, say) is a bad request, not a crash.
  const form = await c.req.parseBody().catch(() => {
    throw signInFailed("consent_form_unreadable");
  });
  const handle = typeof form.handle === "string" ? form.handle : undefined;
  const pending = await takeSignInState(c.env, handle, await browserBindingOf(c, config.publicUrl), PendingConsent);
  if (form.decision !== "approve") return redirect(authorizationErrorRedirect(pending.authRequest, "access_denied"));
  const userId = await userIdFor(config.oidc.issuer, pending.identity.sub);
  await rememberConsent(c.env.OAUTH_KV, userId, pending.authRequest);
  return completeAuthorization(c, pending.authRequest, pending.identity, userId);
});

// Errors are pages for a person, not JSON. Only the OAuth provider's AuthorizationError with a
// validated redirect goes back to the client; everything else stays here (RFC 6749 4.1.2.1).
signInRoutes.onError((err) => {
  if (err instanceof AuthorizationError) {
    if (err.redirectTo) return redirect(err.redirectTo);
    return errorPage(`This authorization request is not valid: ${err.description}`, 400);
  }
  if (err instanceof CimdFetchError) {
    logEvent("warn", "client metadata document unavailable", { event: "sign_in_failed", detail: err.reason });
    return errorPage("The application's metadata document could not be fetched or is not valid.", 400);
  }
  if (err instanceof ClaimcheckError) {
    logEvent("warn", "sign-in failed", { event: "sign_in_failed", code: err.code, detail: err.detail });
    return errorPage(err.message, err.status);
  }
  logEvent("error", "sign-in error", { event: "sign_in_failed", error: err.name });
  return errorPage("Something went wrong. Start again from your MCP client.", 500);
});
