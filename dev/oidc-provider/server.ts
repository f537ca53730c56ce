// The local OpenID provider: oidc-provider (the certified implementation) behind a small Node HTTP
// server on 127.0.0.1 that adds the sign-in pages. For `npm start` and the end-to-end tests.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import { Provider } from "oidc-provider";
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";
import { z } from "zod";
import { demoUsers, userDirectory } from "./demo-users.ts";
import type { DemoUser } from "./demo-users.ts";
import { handleInteraction, INTERACTION_PATH } from "./interactions.ts";
import { OidcClient, providerConfiguration } from "./provider-configuration.ts";
import { generateSigningKey, signingKeyFrom } from "./signing-key.ts";
import type { SigningKey } from "./signing-key.ts";

export type { DemoUser } from "./demo-users.ts";
export type { OidcClient } from "./provider-configuration.ts";

export type StartOidcProviderOptions = {
  /** Port on 127.0.0.1; a free one when omitted or 0. */
  port?: number;
  clients: OidcClient[];
  /** Who can sign in; Alice and Bob with their default passwords when omitted. */
  users?: DemoUser[];
  /** Private RSA JWK to sign with; a fresh one when omitted. */
  signingKey?: JWK;
};

export type RunningOidcProvider = {
  /** `http://127.0.0.1:<port>`, also the base of every endpoint. */
  issuer: string;
  close(): Promise<void>;
  /**
   * Replaces the signing key: tokens issued from now on carry a new `kid` and the JWKS lists only
   * the new key. Sessions, interactions and unredeemed codes survive. Resolves to the new kid.
   */
  rotateKeys(): Promise<string>;
};

const Options = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  clients: z.array(OidcClient).min(1),
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function startOidcProvider(options: StartOidcProviderOptions): Promise<RunningOidcProvider> {
  const { port, clients } = Options.parse(options);
  const users = userDirectory(options.users ?? demoUsers());
  const firstKey = options.signingKey === undefined ? await generateSigningKey() : await signingKeyFrom(options.signingKey);
  const cookieKeys = [randomBytes(32).toString("base64url")];
  const adapter = createMemoryAdapter();

  // The HTTP server outlives providers: a key rotation swaps in a new Provider built on the same
  // store and cookie keys, because oidc-provider fixes its keystore at construction.
  let provider: Provider;
  let handle: Handler;
  const server = createServer((req, res) => {
    if (req.url?.startsWith(INTERACTION_PATH)) void handleInteraction(provider, users, req, res);
    else handle(req, res);
  });
  const issuer = `http://127.0.0.1:${await listen(server, port)}`;

  const useKey = (signingKey: SigningKey) => {
    provider = new Provider(issuer, providerConfiguration({ clients, users, signingKey, cookieKeys, adapter }));
    provider.on("server_error", (_ctx, error) => console.error(`[oidc-provider] server error: ${error.message}`));
    handle = provider.callback();
    return signingKey.kid;
  };
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  try {
    useKey(firstKey);
  } catch (err) {
    await close();
    throw err;
  }
  return { issuer, close, rotateKeys: async () => useKey(await generateSigningKey()) };
}
