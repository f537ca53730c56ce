// The stack the demo talks to: the one `npm start` runs in another terminal when it answers at
// PUBLIC_URL (same settings, same state folder), else one of its own, stopped when the demo ends.
import { WEBHOOK_PATH } from "../alert-receiver/server.ts";
import { startLocalStack, stopAll } from "../stack/local-stack.ts";
import type { LocalStack, Stoppable } from "../stack/local-stack.ts";
import { runningStackStateDir } from "../stack/running-stack.ts";
import { answersOk } from "../stack/service.ts";
import type { StackSettings } from "../stack/stack-settings.ts";

/** close() stops what the demo started, and leaves an `npm start` it found alone. */
export type DemoStack = LocalStack & { close(): Promise<void> };

/** The stack `npm start` runs with the same settings, when it answers. */
export async function runningStack(settings: StackSettings): Promise<DemoStack | undefined> {
  if (!(await answersOk(`${settings.publicUrl}/health`))) return undefined;
  return {
    publicUrl: settings.publicUrl,
    mcpUrl: `${settings.publicUrl}/mcp`,
    oidcIssuer: `http://127.0.0.1:${settings.ports.oidc}`,
    secretServerUrl: `http://127.0.0.1:${settings.ports.secretServer}`,
    alertReceiverUrl: `http://127.0.0.1:${settings.ports.alertReceiver}${WEBHOOK_PATH}`,
    // The folder that `npm start` recorded, which may not be this terminal's CLAIMCHECK_STATE_DIR.
    stateDir: runningStackStateDir(settings.ports.worker, settings.publicUrl) ?? settings.stateDir,
    close: async () => {},
  };
}

export async function startOwnStack(settings: StackSettings): Promise<DemoStack> {
  const running: Stoppable[] = [];
  try {
    const stack = await startLocalStack(settings, running);
    return { ...stack, close: () => stopAll(running) };
  } catch (err) {
    await stopAll(running);
    throw err;
  }
}
