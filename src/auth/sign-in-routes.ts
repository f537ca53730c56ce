// The interactive half of the OAuth front door. GET /authorize checks the MCP client's request and
// sends the user to the company's OpenID provider; GET /callback verifies who came back, then asks
// for consent (or finishes, if this user already approved this client); POST /consent takes the
// answer. Consent comes after SSO so the page can name the user and approvals are remembered per
// user; no authorization code reaches a client before the user approved it. The token,
// registration and metadata endpoints belong to the OAuth provider.
// /callback also finishes sign-ins to claimcheck's own pages (src/pages/page-sign-in.ts): the IdP
// knows one redirect URI, and the state record says which sign-in it belongs to.
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
import { logEvent } from "../log";
import { bindBrowser, browserBindingOf } from "../pages/browser-binding";
import { errorPage } from "../pages/layout";
import { finishPageSignIn } from "../pages/page-sign-in";
import { rulesFor } from "../policy/access-policy";
import { redirectTo } from "../pages/redirect";
import { clientDocumentPage, ClientDocumentRefused } from "./client-metadata/document-refusal";
import { documentRefusalOf, explainDocumentFailure, refuseUnusableDocument } from "./client-metadata/document-gate";
import { consentPage } from "./consent-page";
import { userIdFor, type Identity } from "./identity";
import { sendToIdp, signInAtIdp } from "./oidc/sign-in-at-idp";
import { isConsentRemembered, rememberConsent } from "./remembered-consent";
import { CONSENT_TTL_MS, holdSignInState, PendingConsent, PendingIdpReturn, takeSignInState } from "./sign-in-state";

/** OAuthProvider hands its helpers to the default handler as env.OAUTH_PROVIDER. */
type SignInBindings = Env & { OAUTH_PROVIDER: OAuthHelpers };
type SignInContext = Context<{ Bindings: SignInBindings }>;

function signInFailed(detail: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail });
}

async function completeAuthorization(c: SignInContext, authRequest: AuthRequest, identity: Identity, userId: string) {
  const { redirectTo: backToClient } = await c.env.OAUTH_PROVIDER.completeAuthorization({
    request: authRequest,
    userId,
    metadata: {},
    scope: [], // access is decided per secret by ACCESS_POLICY, not by OAuth scopes
    props: identity,
  });
  return redirectTo(backToClient);
}

async function showConsent(c: SignInContext, config: Config, authRequest: AuthRequest, identity: Identity) {
  const client = await c.env.OAUTH_PROVIDER.describeConsent(authRequest);
  const browser = await bindBrowser(c, config.publicUrl);
  const handle = await holdSignInState(c.env, { kind: "consent", authRequest, identity, browser: browser.digest }, CONSENT_TTL_MS);
  const page = consentPage({ identity, client, handle, rules: rulesFor(config.accessPolicy, identity) });
  page.headers.append("Set-Cookie", browser.setCookie);
  return page;
}

export const signInRoutes = new Hono<{ Bindings: SignInBindings }>();

signInRoutes.get("/authorize", async (c) => {
  const config = loadConfig(c.env);
  refuseUnusableDocument(config, c.req.query("client_id"));
  const authRequest = await c.env.OAUTH_PROVIDER.parseAuthRequest(c.req.raw).catch(async (err: unknown) => {
    throw await explainDocumentFailure(c.env.OAUTH_PROVIDER, config, new URL(c.req.url), err);
  });
  // The provider lets confidential clients skip PKCE; OAuth 2.1 and MCP want S256 from every client.
  if (!authRequest.codeChallenge || authRequest.codeChallengeMethod !== "S256") {
    return redirectTo(authorizationErrorRedirect(authRequest, "invalid_request", "PKCE with code_challenge_method=S256 is required"));
  }
  const { location, setCookie } = await sendToIdp(c, config, { kind: "sign-in", authRequest });
  return redirectTo(location, setCookie);
});

signInRoutes.get("/callback", async (c) => {
  const config = loadConfig(c.env);
  // Taken once, whichever kind it is (single use holds across both), then dispatched on its kind.
  const browser = await browserBindingOf(c, config.publicUrl);
  const pending = await takeSignInState(c.env, c.req.query("state"), browser, PendingIdpReturn);
  if (pending.kind === "page-sign-in") return finishPageSignIn(c, config, pending);
  // The user declined at the IdP, or it failed there: the client gets a plain access_denied.
  if (c.req.query("error") !== undefined) return redirectTo(authorizationErrorRedirect(pending.authRequest, "access_denied"));
  const identity = await signInAtIdp(config, pending, { code: c.req.query("code"), iss: c.req.query("iss") });
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
  if (form.decision !== "approve") return redirectTo(authorizationErrorRedirect(pending.authRequest, "access_denied"));
  const userId = await userIdFor(config.oidc.issuer, pending.identity.sub);
  await rememberConsent(c.env.OAUTH_KV, userId, pending.authRequest);
  return completeAuthorization(c, pending.authRequest, pending.identity, userId);
});

// Errors are pages for a person, not JSON. Only the OAuth provider's AuthorizationError with a
// validated redirect goes back to the client; everything else stays here (RFC 6749 4.1.2.1).
signInRoutes.onError((caught) => {
  // A document that fails later (at /callback, when consent is described) is explained the same way.
  const err = caught instanceof CimdFetchError ? documentRefusalOf(caught) : caught;
  if (err instanceof ClientDocumentRefused) {
    logEvent("warn", "client metadata document refused", { event: "sign_in_failed", code: err.problem, clientId: err.documentUrl, detail: err.facts.fetch });
    return clientDocumentPage(err);
  }
  if (err instanceof AuthorizationError) {
    if (err.redirectTo) return redirectTo(err.redirectTo);
    return errorPage(`This authorization request is not valid: ${err.description}`, 400);
  }
  if (err instanceof ClaimcheckError) {
    logEvent("warn", "sign-in failed", { event: "sign_in_failed", code: err.code, detail: err.detail });
    return errorPage(err.message, err.status);
  }
  logEvent("error", "sign-in error", { event: "sign_in_failed", error: err.name });
  return errorPage("Something went wrong. Start again from your MCP client.", 500);
});
