// `npm run demo` as a newcomer runs it, on free ports and a fresh state folder: it succeeds, shows
// each step of the flow, and prints no secret value and no usable ticket. It leaves nothing behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSeed } from "../../../dev/secret-server/seed.ts";
import { spawnChild } from "../../../dev/stack/child-process.ts";
import type { ExitStatus } from "../../../dev/stack/child-process.ts";
import { assertPortFree, findFreePort } from "../../../dev/stack/ports.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";
import { descendantsOf, isAlive } from "./process-tree.ts";

const DEMO_TIMEOUT_MS = 150_000;
/** db/prod in dev/secret-server/seed.json. */
const DB_PROD = { id: 11, field: "password" };
/** Shorter seeded values (a username like "app") could appear in the output by chance. */
const MIN_NEEDLE_LENGTH = 6;

let output: string;
let exit: ExitStatus | typeof TIMED_OUT;
let ports: number[];
let leftBehind: number[];
let stateDir: string;

beforeAll(async () => {
  ports = [await findFreePort(), await findFreePort(), await findFreePort(), await findFreePort()];
  stateDir = await mkdtemp(join(tmpdir(), "claimcheck-demo-test-"));
  const [worker, oidc, secretServer, alertReceiver] = ports.map(String);
  const demo = spawnChild({
    name: "npm run demo",
    command: process.execPath,
    args: ["dev/demo/main.ts"],
    cwd: PROJECT_ROOT,
    env: { CLAIMCHECK_PORT: worker!, OIDC_PORT: oidc!, SECRET_SERVER_PORT: secretServer!, ALERT_RECEIVER_PORT: alertReceiver!, CLAIMCHECK_STATE_DIR: stateDir },
  });
  const started: number[] = [];
  // Sample what the demo starts while it runs, to check afterwards that none of it survived.
  const sampler = setInterval(() => started.push(...descendantsOf(demo.pid)), 500);
  try {
    exit = await withinMs(demo.exited, DEMO_TIMEOUT_MS);
  } finally {
    clearInterval(sampler);
    output = demo.output();
    await demo.stop();
  }
  // Give the last SIGKILLed process a moment to be reaped.
  const deadline = Date.now() + 5_000;
  do {
    leftBehind = [...new Set(started)].filter(isAlive);
    if (leftBehind.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  } while (leftBehind.length > 0 && Date.now() < deadline);
}, DEMO_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("succeeds", () => {
    expect(exit, output).toEqual({ code: 0, signal: null });
  });

  it("signs in with PKCE, sets the variable, cleans up, and shows the replay refused", async () => {
    const seed = await loadSeed();
    const password = seed.secrets.find((s) => s.id === DB_PROD.id)?.items.find((i) => i.slug === DB_PROD.field)?.itemValue ?? "";
    expect(password.length).toBeGreaterThan(0);
    expect(output).toContain("PKCE S256");
    expect(output).toContain("alice@demo.test signed in at the OpenID provider");
    expect(output).toContain(`PROD_PASSWORD is set: ${password.length} characters`);
    expect(output).toContain("after the cleanup, PROD_PASSWORD is no longer set");
    expect(output).toContain("claimcheck: redemption failed; PROD_PASSWORD is not set");
    expect(output).toMatch(/\(exit status [1-9]\d*\)/);
  });

  it("prints the ticket's audit rows: mint, redeem, replay", () => {
    const ticketId = /Done: ticket ([0-9a-f]{12}) was minted/.exec(output)?.[1];
    expect(ticketId).toBeDefined();
    const events = output
      .split("\n")
      .filter((line) => line.trimEnd().endsWith(ticketId!) && /^\s+\d{4}-/.test(line))
      .map((line) => line.trim().split(/\s+/).slice(1, 3).join(" "));
    expect(events).toEqual(["mint ok", "redeem ok", "replay used"]);
  });

  it("prints no seeded secret value and no whole ticket", async () => {
    const seed = await loadSeed();
    const values = seed.secrets.flatMap((s) => s.items.flatMap((i) => [i.itemValue, ...i.itemValue.split("\n")]));
    const needles = values.filter((v) => v.length >= MIN_NEEDLE_LENGTH);
    expect(needles.length).toBeGreaterThan(10);
    const leaked = needles.filter((v) => output.includes(v));
    // Report the count only: the failure message must not print the values either.
    expect(leaked.length, "seeded values found in the demo's output").toBe(0);
    expect(output).not.toMatch(/cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/);
  });

  it("stops every process it started and frees its ports", async () => {
    expect(leftBehind).toEqual([]);
    for (const port of ports) await expect(assertPortFree(port, "port")).resolves.toBeUndefined();
  });
});
