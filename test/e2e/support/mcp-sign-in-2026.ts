// The same sign-in as mcp-sign-in.ts, with the 2026 client SDK (@modelcontextprotocol/client, MCP
// 2026-07-28) pinned to that revision: the first connect is refused with 401; the SDK discovers,
// registers, starts PKCE with the `resource` parameter and hands over the authorization URL; a
// person signs in and approves; the whole redirect (code, state and RFC 9207 `iss`) goes back
// through transport.finishAuth, where the SDK checks `iss` against the discovered issuer.
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { HttpBrowser } from "../harness/http-browser.ts";
import { loginAndFollow } from "../harness/login-and-follow.ts";
import type { Credentials } from "../harness/page-handlers.ts";
import { pressButton } from "../harness/page-handlers.ts";
import { InMemoryOAuthClient } from "./oauth-client.ts";

export const MCP_2026 = "2026-07-28";

export type ClientOptions2026 = {
  clientName: string;
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
};

export type Pending2026 = { oauth: InMemoryOAuthClient; transport: StreamableHTTPClientTransport; authorizationUrl: URL };
export type SignedIn2026 = { client: Client; oauth: InMemoryOAuthClient };

const APPROVE = { name: "decision", value: "approve" };

/** A client of the 2026 revision: no fallback to the 2025 handshake. */
export function newClient2026(name: string): Client {
  return new Client({ name, version: "1.0.0" }, { versionNegotiation: { mode: { pin: MCP_2026 } } });
}

export async function startAuthorization2026(mcpUrl: URL, options: ClientOptions2026): Promise<Pending2026> {
  const oauth = new InMemoryOAuthClient(`http://127.0.0.1:${await findFreePort()}/oauth/callback`, options.clientName);
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: oauth, fetch: options.fetch });
  const refused = await newClient2026(options.clientName).connect(transport).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(refused instanceof UnauthorizedError)) throw new Error(`expected the first connect to need authorization, got ${String(refused)}`);
  return { oauth, transport, authorizationUrl: oauth.authorizationUrl };
}

/** Hands the whole redirect to the SDK (it checks `iss`), then connects again with the token. */
export async function finishAuthorization2026(pending: Pending2026, redirect: URL, options: ClientOptions2026 & { mcpUrl: URL }): Promise<SignedIn2026> {
  pending.oauth.codeFrom(redirect); // our redirect URI and our state: the client's own checks
  await pending.transport.finishAuth(redirect.searchParams);
  await pending.transport.close();
  const client = newClient2026(options.clientName);
  await client.connect(new StreamableHTTPClientTransport(options.mcpUrl, { authProvider: pending.oauth, fetch: options.fetch }));
  return { client, oauth: pending.oauth };
}

/** Follows the authorization URL through the provider's login and the Worker's consent page. */
export function approveInBrowser(stack: { mcpUrl: URL; idp: { issuer: string } }, user: Credentials, authorizationUrl: URL): Promise<URL> {
  return loginAndFollow(authorizationUrl, {
    ...user,
    browser: new HttpBrowser(),
    within: [stack.mcpUrl.origin, stack.idp.issuer],
    handlers: [pressButton(APPROVE, { onPath: "/callback" })],
  });
}

export async function signInToMcp2026(stack: { mcpUrl: URL; idp: { issuer: string } }, user: Credentials, options: ClientOptions2026): Promise<SignedIn2026> {
  const pending = await startAuthorization2026(stack.mcpUrl, options);
  const redirect = await approveInBrowser(stack, user, pending.authorizationUrl);
  return finishAuthorization2026(pending, redirect, { ...options, mcpUrl: stack.mcpUrl });
}
