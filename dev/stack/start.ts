// `npm start`: the whole product on this machine (see local-stack.ts), then what a newcomer needs
// to use it: the MCP URL, the demo logins, and how to connect each agent. Ctrl-C stops
// everything. Settings: see stack-settings.ts and README.md in this folder.
import { agentConnectionsText } from "./agent-connections.ts";
import { killAllChildren } from "./child-process.ts";
import { startLocalStack, stopAll } from "./local-stack.ts";
import type { LocalStack, Stoppable } from "./local-stack.ts";
import { PortInUseError } from "./ports.ts";
import { recordRunningStack } from "./running-stack.ts";
import { stackSettings } from "./stack-settings.ts";
import type { StackSettings } from "./stack-settings.ts";

/** Printed once everything answers; tests wait for its first line. */
function readyMessage(stack: LocalStack, settings: StackSettings): string {
  return `
claimcheck is running.

  MCP server:       ${stack.mcpUrl}
  OpenID provider:  ${stack.oidcIssuer}
  Secret Server:    ${stack.secretServerUrl}  (stand-in, seeded from dev/secret-server)
  Audit trail:      ${stack.publicUrl}/audit  (alice@demo.test may open it)
  Alerts:           ${stack.alertReceiverUrl}  (each alert is printed here, with its signature checked)
  Local state:      ${stack.stateDir}

  Sign in as alice@demo.test / ${settings.demoPasswords.alice}  (groups engineering, db-admins: may use db/**)
          or bob@demo.test   / ${settings.demoPasswords.bob}  (group contractors: no access)

  Connect your agent:
${agentConnectionsText(stack.mcpUrl, "    ")}

  Then ask it, for example: "connect to the prod database with the password from db/prod".
  Or see the whole flow without an agent: npm run demo (in another terminal).

Press Ctrl-C to stop.
`;
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
  const settings = stackSettings(process.env);
  console.log("Starting the Secret Server stand-in, the OpenID provider, then the Worker (D1 migrations first)...");
  const stack = await startLocalStack(settings, running, { echo: true });
  // `npm run demo` in another terminal finds this stack's state folder here (running-stack.ts).
  const forget = recordRunningStack(settings.ports.worker, stack);
  running.push({ name: "running-stack record", close: async () => forget() });
  console.log(readyMessage(stack, settings));
} catch (err) {
  const message = err instanceof PortInUseError || err instanceof TypeError ? err.message : String(err);
  console.error(`\nclaimcheck could not start: ${message}`);
  await stopAll(running);
  process.exit(1);
}
