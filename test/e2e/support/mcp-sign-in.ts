// An MCP client signing in the way Claude Code or Codex does, with the real SDK: the first connect
// is refused with 401, so the SDK reads the protected resource metadata, then the authorization
// server's, registers the client, starts PKCE and hands over an authorization URL; a person signs
// in at the OpenID provider and approves on the Worker's consent page; the code goes back through
// transport.finishAuth; a new transport connects with the token.
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { HttpBrowser } from "../harness/http-browser.ts";
import { loginAndFollow } from "../harness/login-and-follow.ts";
import type { Credentials } from "../harness/page-handlers.ts";
import { pressButton } from "../harness/page-handlers.ts";
import { InMemoryOAuthClient } from "./oauth-client.ts";

export type ClientOptions = {
  /** Shown on the consent page. */
  clientName: string;
  /** Every request of the client goes through it (a transcript's fetch). */
  fetch: FetchLike;
};

export type PendingAuthorization = {
  oauth: InMemoryOAuthClient;
  transport: StreamableHTTPClientTransport;
  /** The Worker's /authorize, with the client's PKCE challenge and state. */
  authorizationUrl: URL;
};

export type SignedIn = { client: Client; oauth: InMemoryOAuthClient };

const APPROVE = { name: "decision", value: "approve" };

function newClient(options: ClientOptions): Client {
  return new Client({ name: options.clientName, version: "1.0.0" });
}

/** Connects without a token; resolves once the SDK asked to open the authorization URL. */
export async function startAuthorization(mcpUrl: URL, options: ClientOptions): Promise<PendingAuthorization> {
  // A loopback redirect URI, as desktop agents register; the browser stops before reaching it.
  const oauth = new InMemoryOAuthClient(`http://127.0.0.1:${await findFreePort()}/oauth/callback`, options.clientName);
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth, fetch: options.fetch });
  const refused = await newClient(options).connect(transport).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected the first connect to need authorization, got ${String(refused)}`);
  return { oauth, transport, authorizationUrl: oauth.authorizationUrl };
}

/** Exchanges the code the browser came back with, then connects again with the token. */
export async function finishAuthorization(pending: PendingAuthorization, redirect: URL, options: ClientOptions & { mcpUrl: URL }): Promise<SignedIn> {
  await pending.transport.finishAuth(pending.oauth.codeFrom(redirect));
  await pending.transport.close();
  const client = newClient(options);
  await client.connect(new StreamableHTTPClientTransport(options.mcpUrl, { authProvider: pending.oauth, fetch: options.fetch }));
  return { client, oauth: pending.oauth };
}

/**
 * The whole sign-in: `user` signs in at the OpenID provider's own login page and approves the
 * client on the Worker's consent page, in a fresh browser.
 */
export async function signInToMcp(
  stack: { mcpUrl: URL; idp: { issuer: string } },
  user: Credentials,
  options: ClientOptions,
): Promise<SignedIn> {
  const pending = await startAuthorization(stack.mcpUrl, options);
  const redirect = await loginAndFollow(pending.authorizationUrl, {
    ...user,
    browser: new HttpBrowser(),
    within: [stack.mcpUrl.origin, stack.idp.issuer],
    handlers: [pressButton(APPROVE, { onPath: "/callback" })],
  });
  return finishAuthorization(pending, redirect, { ...options, mcpUrl: stack.mcpUrl });
}
