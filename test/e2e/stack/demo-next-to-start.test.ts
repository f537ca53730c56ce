// `npm run demo` in a second terminal, next to an `npm start` whose CLAIMCHECK_STATE_DIR it was not
// given: it uses that stack, and reads the audit trail from the folder `npm start` recorded, not
// from its own default. `npm start` removes its record when it stops.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnChild, type Child } from "../../../dev/stack/child-process.ts";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { runningStackStateDir } from "../../../dev/stack/running-stack.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";

const READY = "claimcheck is running.";
const START_TIMEOUT_MS = 90_000;
const DEMO_TIMEOUT_MS = 120_000;

let ports: Record<string, string>;
let startState: string;
let demoState: string;
let start: Child;
let demoOutput = "";
let demoExit: unknown;

beforeAll(async () => {
  ports = {
    CLAIMCHECK_PORT: String(await findFreePort()),
    OIDC_PORT: String(await findFreePort()),
    SECRET_SERVER_PORT: String(await findFreePort()),
    ALERT_RECEIVER_PORT: String(await findFreePort()),
  };
  startState = await mkdtemp(join(tmpdir(), "claimcheck-start-state-"));
  demoState = await mkdtemp(join(tmpdir(), "claimcheck-other-state-"));
  start = spawnChild({ name: "npm start", command: process.execPath, args: ["dev/stack/start.ts"], cwd: PROJECT_ROOT, env: { ...ports, CLAIMCHECK_STATE_DIR: startState } });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!start.output().includes(READY)) {
    if (Date.now() > deadline) throw new Error(`npm start did not get ready:\n${start.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The second terminal: same ports, but no CLAIMCHECK_STATE_DIR of npm start's.
  const demo = spawnChild({ name: "npm run demo", command: process.execPath, args: ["dev/demo/main.ts"], cwd: PROJECT_ROOT, env: { ...ports, CLAIMCHECK_STATE_DIR: demoState } });
  try {
    demoExit = await withinMs(demo.exited, DEMO_TIMEOUT_MS);
  } finally {
    demoOutput = demo.output();
    await demo.stop();
  }
}, START_TIMEOUT_MS + DEMO_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await start?.stop();
  await rm(startState, { recursive: true, force: true });
  await rm(demoState, { recursive: true, force: true });
});

describe("npm run demo next to npm start with another state folder", () => {
  it("uses the running stack and reads its audit trail from npm start's folder", () => {
    expect(demoExit, demoOutput).not.toBe(TIMED_OUT);
    expect(demoExit, demoOutput).toEqual({ code: 0, signal: null });
    expect(demoOutput).toContain(`Using the claimcheck that \`npm start\` runs at http://127.0.0.1:${ports.CLAIMCHECK_PORT}`);
    expect(demoOutput).toContain(startState);
    expect(demoOutput).not.toContain("no such table");
    expect(demoOutput).toMatch(/replay\s+used/);
  });

  it("npm start removes its record when it stops", async () => {
    const publicUrl = `http://127.0.0.1:${ports.CLAIMCHECK_PORT}`;
    expect(runningStackStateDir(Number(ports.CLAIMCHECK_PORT), publicUrl)).toBe(startState);
    process.kill(-start.pid, "SIGINT");
    expect(await withinMs(start.exited, 30_000)).toEqual({ code: 0, signal: null });
    expect(runningStackStateDir(Number(ports.CLAIMCHECK_PORT), publicUrl)).toBeUndefined();
    expect(existsSync(join(PROJECT_ROOT, ".wrangler", "running-stacks", `${ports.CLAIMCHECK_PORT}.json`))).toBe(false);
  });
});
