// The whole product on 127.0.0.1 for one end-to-end test file: the Secret Server stand-in, the
// local OpenID provider with the demo users, and the Worker under `wrangler dev` whose PUBLIC_URL is
// its own address. Closed newest first; a failed start closes what had started.
import { randomBytes } from "node:crypto";
import { startOidcProvider } from "../../../dev/oidc-provider/server.ts";
import type { RunningOidcProvider } from "../../../dev/oidc-provider/server.ts";
import { startSecretServer } from "../../../dev/secret-server/server.ts";
import type { RunningSecretServer } from "../../../dev/secret-server/server.ts";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { workerVars } from "../../../dev/stack/worker-vars.ts";
import { startWranglerDev } from "../../../dev/stack/wrangler-dev.ts";
import type { WranglerDev } from "../../../dev/stack/wrangler-dev.ts";

/** The application account in dev/secret-server/seed.json. */
const SECRET_SERVER_ACCOUNT = { username: "claimcheck-app", password: "app-account-password" };
const OIDC_CLIENT_ID = "claimcheck-e2e";

export type McpStack = {
  secretServer: RunningSecretServer;
  idp: RunningOidcProvider;
  worker: WranglerDev;
  /** `http://127.0.0.1:<port>`, the Worker's PUBLIC_URL. */
  publicUrl: string;
  /** `${publicUrl}/mcp` */
  mcpUrl: URL;
  /** The Worker's registration at the OpenID provider. */
  oidcClient: { clientId: string; clientSecret: string; redirectUri: string };
  /** Credentials the Worker holds that no answer, log line or audit row may show. */
  workerCredentials: string[];
  close(): Promise<void>;
};

export type McpStackOptions = {
  accessPolicy: unknown;
  /** Further Worker settings (e.g. APPROVAL_TIMEOUT_SECONDS); the stack's own win on a clash. */
  extraWorkerVars?: Record<string, string>;
  /** Copy the Worker's output to this process's (for debugging a failing run). */
  echo?: boolean;
};

type Closer = () => Promise<void>;

async function closeAll(closers: Closer[]): Promise<void> {
  for (const close of closers.reverse()) await close();
}

export async function startMcpStack(options: McpStackOptions): Promise<McpStack> {
  const closers: Closer[] = [];
  try {
    const secretServer = await startSecretServer({ port: 0 });
    closers.push(() => secretServer.close());
    // The Worker's port comes first: its /callback must be registered at the provider.
    const port = await findFreePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const oidcClient = {
      clientId: OIDC_CLIENT_ID,
      clientSecret: `e2e-oidc-${randomBytes(16).toString("hex")}`,
      redirectUri: `${publicUrl}/callback`,
    };
    const idp = await startOidcProvider({
      clients: [{ client_id: oidcClient.clientId, client_secret: oidcClient.clientSecret, redirect_uris: [oidcClient.redirectUri] }],
    });
    closers.push(() => idp.close());
    const worker = await startWranglerDev({
      port,
      echo: options.echo ?? false,
      vars: {
        ...options.extraWorkerVars,
        ...workerVars({
          publicUrl,
          oidc: { issuer: idp.issuer, clientId: oidcClient.clientId, clientSecret: oidcClient.clientSecret },
          secretServer: { url: secretServer.url, ...SECRET_SERVER_ACCOUNT },
          accessPolicy: options.accessPolicy,
        }),
      },
    });
    closers.push(() => worker.close());
    return {
      secretServer,
      idp,
      worker,
      publicUrl,
      mcpUrl: new URL("/mcp", publicUrl),
      oidcClient,
      workerCredentials: [oidcClient.clientSecret, SECRET_SERVER_ACCOUNT.password],
      close: () => closeAll(closers),
    };
  } catch (err) {
    await closeAll(closers);
    throw err;
  }
}
