// `npm start`: the whole product on this machine. The Secret Server stand-in, the local OpenID
// provider, then the Worker under `wrangler dev` (after its D1 migrations) with every setting
// pointing at them. Ctrl-C stops everything. Settings: see stack-settings.ts.
import { startOidcProvider } from "../oidc-provider/server.ts";
import { demoUsers } from "../oidc-provider/demo-users.ts";
import { startSecretServer } from "../secret-server/server.ts";
import { killAllChildren } from "./child-process.ts";
import { assertPortFree, PortInUseError } from "./ports.ts";
import { stackSettings } from "./stack-settings.ts";
import type { StackSettings } from "./stack-settings.ts";
import { workerVars } from "./worker-vars.ts";
import { startWranglerDev } from "./wrangler-dev.ts";

type Stoppable = { name: string; close(): Promise<void> };

async function startStack(settings: StackSettings, running: Stoppable[]): Promise<void> {
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

  console.log("Applying D1 migrations, then starting the Worker...");
  const worker = await startWranglerDev({
    port: ports.worker,
    persistTo: settings.stateDir,
    echo: true,
    vars: workerVars({
      publicUrl: settings.publicUrl,
      oidc: { issuer: idp.issuer, ...settings.oidc },
      secretServer: { url: secretServer.url, ...settings.secretServer },
      accessPolicy: settings.accessPolicy,
    }),
  });
  running.push({ name: "Worker", close: () => worker.close() });

  console.log(`
claimcheck is running.

  MCP server:       ${settings.publicUrl}/mcp
  OpenID provider:  ${idp.issuer}
  Secret Server:    ${secretServer.url}  (stand-in, seeded from dev/secret-server)
  Local state:      ${settings.stateDir}

  Sign in as alice@demo.test / ${settings.demoPasswords.alice}  (groups engineering, db-admins: may use db/**)
          or bob@demo.test   / ${settings.demoPasswords.bob}  (group contractors: no access)

Press Ctrl-C to stop.
`);
}

async function stopAll(running: Stoppable[]): Promise<void> {
  // Newest first: the Worker goes before what it talks to.
  for (const service of running.reverse()) {
    try {
      await service.close();
    } catch (err) {
      console.error(`Could not stop the ${service.name} cleanly: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const running: Stoppable[] = [];
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C: no more waiting.
      killAllChildren();
      process.exit(130);
    }
    stopping = true;
    console.log("\nStopping...");
    void stopAll(running).then(() => process.exit(0));
  });
}

try {
  await startStack(stackSettings(process.env), running);
} catch (err) {
  const message = err instanceof PortInUseError || err instanceof TypeError ? err.message : String(err);
  console.error(`\nclaimcheck could not start: ${message}`);
  await stopAll(running);
  process.exit(1);
}
