// An agent's OAuth 2.1 sign-in, done step by step with the MCP SDK's own functions so the demo can
// say what each step is: discovery from the MCP URL (RFC 9728, RFC 8414), dynamic client
// registration as a public client (RFC 7591), an authorization request with PKCE S256 and state,
// the person's sign-in and consent (a headless cookie-jar browser), then the code exchange bound
// to the MCP resource (RFC 8707).
import { randomBytes } from "node:crypto";
import {
  discoverOAuthServerInfo,
  exchangeAuthorization,
  registerClient,
  startAuthorization,
} from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { loginAndFollow } from "../http-browser/login-and-follow.ts";
import type { Credentials } from "../http-browser/page-handlers.ts";
import { pressButton } from "../http-browser/page-handlers.ts";
import { findFreePort } from "../stack/ports.ts";

export type AgentSignIn = {
  accessToken: string;
  /** What happened, one line per step, for the reader. */
  steps: string[];
};

/** The consent page's Approve button (src/auth/consent-page.ts), shown by the Worker's /callback. */
const APPROVE = { name: "decision", value: "approve" };

/** The code from the redirect to our loopback URI, after the checks a client must make. */
function codeFrom(redirect: URL, redirectUri: string, state: string): string {
  if (redirect.origin + redirect.pathname !== redirectUri) throw new Error(`sign-in ended at ${redirect.origin}${redirect.pathname}, not at ${redirectUri}`);
  const error = redirect.searchParams.get("error");
  if (error !== null) throw new Error(`the authorization server refused: ${error}`);
  if (redirect.searchParams.get("state") !== state) throw new Error("the redirect does not carry the state this client sent");
  const code = redirect.searchParams.get("code");
  if (code === null) throw new Error("the redirect carries no authorization code");
  return code;
}

export type PendingAuthorization = {
  clientId: string;
  redirectUri: string;
  /** The state this client sent; the redirect back must carry it. */
  state: string;
  /** Where the person's browser goes: /authorize with the PKCE challenge, state and resource. */
  authorizationUrl: URL;
  /** What happened so far, one line per step, for the reader. */
  steps: string[];
  /** Checks the redirect back (our URI, our state, no error) and trades its code for tokens. */
  exchange(redirect: URL): Promise<OAuthTokens>;
};

/** Discovery, dynamic registration as `clientName` with `redirectUri`, then a PKCE request. */
export async function beginAuthorization(
  mcpUrl: string,
  options: { clientName: string; redirectUri: string },
): Promise<PendingAuthorization> {
  const { clientName, redirectUri } = options;
  const steps: string[] = [];
  const server = await discoverOAuthServerInfo(mcpUrl);
  const metadata = server.authorizationServerMetadata;
  const resource = server.resourceMetadata?.resource;
  if (metadata === undefined || resource === undefined) throw new Error(`${mcpUrl} publishes no OAuth metadata`);
  steps.push(`Discovered the authorization server ${server.authorizationServerUrl} from ${mcpUrl}`);

  const client = await registerClient(server.authorizationServerUrl, {
    metadata,
    clientMetadata: {
      client_name: clientName,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
  });
  steps.push(`Registered as "${clientName}" (public client ${client.client_id}), redirect URI ${redirectUri}`);

  const state = randomBytes(16).toString("base64url");
  const { authorizationUrl, codeVerifier } = await startAuthorization(server.authorizationServerUrl, {
    metadata,
    clientInformation: client,
    redirectUrl: redirectUri,
    state,
    resource: new URL(resource),
  });
  steps.push("Opened the authorization URL with a PKCE S256 challenge and a random state");

  return {
    clientId: client.client_id,
    redirectUri,
    state,
    authorizationUrl,
    steps,
    exchange: (redirect) =>
      exchangeAuthorization(server.authorizationServerUrl, {
        metadata,
        clientInformation: client,
        authorizationCode: codeFrom(redirect, redirectUri, state),
        codeVerifier,
        redirectUri,
        resource: new URL(resource),
      }),
  };
}

/** The whole sign-in, with the headless cookie-jar browser filling the login and consent pages. */
export async function signInAsAgent(
  mcpUrl: string,
  user: Credentials,
  options: { clientName: string; idpOrigin: string },
): Promise<AgentSignIn> {
  // A desktop agent listens on a loopback port for the redirect; the browser stops before it.
  const redirectUri = `http://127.0.0.1:${await findFreePort()}/callback`;
  const pending = await beginAuthorization(mcpUrl, { clientName: options.clientName, redirectUri });
  const redirect = await loginAndFollow(pending.authorizationUrl, {
    ...user,
    within: [new URL(mcpUrl).origin, options.idpOrigin],
    handlers: [pressButton(APPROVE, { onPath: "/callback" })],
  });
  pending.steps.push(`${user.username} signed in at the OpenID provider ${options.idpOrigin}, then approved claimcheck's consent page`);
  const tokens = await pending.exchange(redirect);
  const lifetime = tokens.expires_in === undefined ? "" : `, valid ${tokens.expires_in} s`;
  pending.steps.push(`Exchanged the code and the PKCE verifier for an access token for ${mcpUrl}${lifetime}`);
  return { accessToken: tokens.access_token, steps: pending.steps };
}
