// `npm start` as a newcomer runs it: `node dev/stack/start.ts`, on free ports and a fresh state
// folder. It says what is wrong when a port is taken, prints what to do once ready, and Ctrl-C
// leaves nothing behind: no process, no port.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentConnectionsText } from "../../../dev/stack/agent-connections.ts";
import { spawnChild } from "../../../dev/stack/child-process.ts";
import type { Child } from "../../../dev/stack/child-process.ts";
import { assertPortFree, findFreePort } from "../../../dev/stack/ports.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";
import { descendantsOf, isAlive } from "./process-tree.ts";

const READY = "claimcheck is running.";
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

type Ports = { CLAIMCHECK_PORT: string; OIDC_PORT: string; SECRET_SERVER_PORT: string; ALERT_RECEIVER_PORT: string };

async function freePorts(): Promise<Ports> {
  return {
    CLAIMCHECK_PORT: String(await findFreePort()),
    OIDC_PORT: String(await findFreePort()),
    SECRET_SERVER_PORT: String(await findFreePort()),
    ALERT_RECEIVER_PORT: String(await findFreePort()),
  };
}

function startScript(env: Record<string, string>): Child {
  return spawnChild({ name: "npm start", command: process.execPath, args: ["dev/stack/start.ts"], cwd: PROJECT_ROOT, env });
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

describe("npm start with a port already in use", () => {
  for (const setting of ["CLAIMCHECK_PORT", "OIDC_PORT", "SECRET_SERVER_PORT", "ALERT_RECEIVER_PORT"] as const) {
    it(`stops at once and names ${setting}`, async () => {
      const ports = await freePorts();
      const squatter = await listenOn(Number(ports[setting]));
      const child = startScript({ ...ports, CLAIMCHECK_STATE_DIR: join(tmpdir(), "claimcheck-never-created") });
      try {
        const exit = await withinMs(child.exited, 20_000);
        expect(exit).toEqual({ code: 1, signal: null });
        expect(child.output()).toContain(
          `claimcheck could not start: Port ${ports[setting]} on 127.0.0.1 is already in use. Stop what is listening there, or set ${setting} to a free port.`,
        );
      } finally {
        await child.stop();
        await new Promise((resolve) => squatter.close(resolve));
      }
    });
  }
});

describe("npm start, then Ctrl-C", () => {
  let ports: Ports;
  let stateDir: string;
  let child: Child;

  beforeAll(async () => {
    ports = await freePorts();
    stateDir = await mkdtemp(join(tmpdir(), "claimcheck-start-test-"));
    child = startScript({ ...ports, CLAIMCHECK_STATE_DIR: stateDir });
    const ready = await until(() => child.output().includes(READY) || !isAlive(child.pid), START_TIMEOUT_MS);
    if (!ready || !child.output().includes(READY)) throw new Error(`npm start did not get ready:\n${child.output()}`);
  }, START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await (child as Child | undefined)?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("prints the MCP URL, the demo logins and every agent's command, and serves the Worker", async () => {
    const mcpUrl = `http://127.0.0.1:${ports.CLAIMCHECK_PORT}/mcp`;
    const output = child.output();
    expect(output).toContain(`MCP server:       ${mcpUrl}`);
    expect(output).toContain("alice@demo.test / alice-demo-password");
    expect(output).toContain("bob@demo.test   / bob-demo-password");
    expect(output).toContain(agentConnectionsText(mcpUrl, "    "));
    expect((await fetch(`http://127.0.0.1:${ports.CLAIMCHECK_PORT}/health`)).status).toBe(200);
  });

  it("stops every process it started and frees every port on SIGINT", async () => {
    const started = descendantsOf(child.pid);
    // wrangler, its workerd; the stand-ins run inside the start script itself.
    expect(started.length).toBeGreaterThanOrEqual(2);
    process.kill(-child.pid, "SIGINT"); // what the terminal sends the foreground group on Ctrl-C
    const exit = await withinMs(child.exited, STOP_TIMEOUT_MS);
    expect(exit).not.toBe(TIMED_OUT);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain("Stopping...");
    expect(await until(() => started.every((pid) => !isAlive(pid)), 5_000)).toBe(true);
    for (const port of Object.values(ports)) await expect(assertPortFree(Number(port), "port")).resolves.toBeUndefined();
  });
});
