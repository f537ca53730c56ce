// The whole product on this machine, for `npm start` and `npm run demo`: the Secret Server
// stand-in, the local OpenID provider, the alert receiver (which prints each alert it gets), then
// the Worker under `wrangler dev` (after its D1 migrations) with every setting pointing at them.
import { describeAlert } from "../alert-receiver/print-alert.ts";
import { startAlertReceiver, type ReceivedAlert } from "../alert-receiver/server.ts";
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
  /** Where the Worker sends its alerts (ALERT_WEBHOOK_URL). */
  alertReceiverUrl: string;
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
  options: { echo?: boolean; onAlert?: (alert: ReceivedAlert) => void } = {},
): Promise<LocalStack> {
  const { ports } = settings;
  await assertPortFree(ports.secretServer, "SECRET_SERVER_PORT");
  await assertPortFree(ports.oidc, "OIDC_PORT");
  await assertPortFree(ports.alertReceiver, "ALERT_RECEIVER_PORT");
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

  const alerts = await startAlertReceiver({
    port: ports.alertReceiver,
    secret: settings.alertSecret,
    onAlert: options.onAlert ?? ((alert) => console.log(`\n  [alert receiver] ${describeAlert(alert)}`)),
  });
  running.push({ name: "alert receiver", close: () => alerts.close() });

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
      AUDIT_VIEWERS: settings.auditViewers,
      ALERT_WEBHOOK_URL: alerts.url,
      ALERT_WEBHOOK_SECRET: settings.alertSecret,
      ...settings.extraWorkerVars,
    },
  });
  running.push({ name: "Worker", close: () => worker.close() });

  return {
    publicUrl: settings.publicUrl,
    mcpUrl: `${settings.publicUrl}/mcp`,
    oidcIssuer: idp.issuer,
    secretServerUrl: secretServer.url,
    alertReceiverUrl: alerts.url,
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
