// The whole product on this machine, for `npm start` and `npm run demo`: the Secret Server
// stand-in, the local OpenID provider, then the Worker under `wrangler dev` (after its D1
// migrations) with every setting pointing at them.
import { startOidcProvider } from "../oidc-provider/server.ts";
import { demoUsers } from "../oidc-provider/demo-users.ts";
import { startSecretServer } from "../secret-server/server.ts";
import { assertPortFree } from "./ports.ts";
import type { StackSettings } from "./stack-settings.ts";
import { workerVars } from "./worker-vars.ts";
import { startWranglerDev } from "./wrangler-dev.ts";

export type Stoppable = { name: string; close(): Promise<void> };

export type LocalStack = {
  publicUrl: string;
  mcpUrl: string;
  oidcIssuer: string;
  secretServerUrl: string;
  /** wrangler's local state: D1 (the audit trail), Durable Objects, KV. */
  stateDir: string;
};

/**
 * Starts the stack; each part is pushed onto `running` as soon as it runs, so a caller
 * interrupted mid-start (Ctrl-C) can stop what exists. Throws PortInUseError naming the setting
 * before anything starts when a port is taken.
 */
export async function startLocalStack(
  settings: StackSettings,
  running: Stoppable[],
  options: { echo?: boolean } = {},
): Promise<LocalStack> {
  const { ports } = settings;
  await assertPortFree(ports.secretServer, "SECRET_SERVER_PORT");
  await assertPortFree(ports.oidc, "OIDC_PORT");
  await assertPortFree(ports.worker, "CLAIMCHECK_PORT");

  const secretServer = await startSecretServer({
    port: ports.secretServer,
    ...(settings.secretServer.seedPath !== undefined && { seedPath: settings.secretServer.seedPath }),
  });
  running.push({ name: "Secret Server stand-in", close: () => secretServer.close() });

  const idp = await startOidcProvider({
    port: ports.oidc,
    clients: [
      {
        client_id: settings.oidc.clientId,
        client_secret: settings.oidc.clientSecret,
        redirect_uris: [`${settings.publicUrl}/callback`],
      },
    ],
    users: demoUsers(settings.demoPasswords),
  });
  running.push({ name: "OpenID provider", close: () => idp.close() });

  const worker = await startWranglerDev({
    port: ports.worker,
    persistTo: settings.stateDir,
    echo: options.echo ?? false,
    vars: {
      ...workerVars({
        publicUrl: settings.publicUrl,
        oidc: { issuer: idp.issuer, ...settings.oidc },
        secretServer: { url: secretServer.url, ...settings.secretServer },
        accessPolicy: settings.accessPolicy,
      }),
      ...settings.extraWorkerVars,
    },
  });
  running.push({ name: "Worker", close: () => worker.close() });

  return {
    publicUrl: settings.publicUrl,
    mcpUrl: `${settings.publicUrl}/mcp`,
    oidcIssuer: idp.issuer,
    secretServerUrl: secretServer.url,
    stateDir: settings.stateDir,
  };
}

/** Stops newest first (the Worker before what it talks to); reports, never throws. */
export async function stopAll(running: Stoppable[]): Promise<void> {
  for (const service of running.splice(0).reverse()) {
    try {
      await service.close();
    } catch (err) {
      console.error(`Could not stop the ${service.name} cleanly: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
