// The Worker under `wrangler dev`, as every end-to-end test starts it: migrated state, logs kept,
// restart on the same state, nothing left running after close.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { workerVars } from "../../../dev/stack/worker-vars.ts";
import { applyLocalMigrations, startWranglerDev } from "../../../dev/stack/wrangler-dev.ts";
import type { WranglerDev } from "../../../dev/stack/wrangler-dev.ts";

const CANARY = `canary-${randomBytes(12).toString("hex")}`;
let state: string;
let worker: WranglerDev;

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "claimcheck-harness-test-"));
  const port = await findFreePort();
  // Nothing answers at these addresses: /health needs valid settings, not reachable neighbours.
  const vars = workerVars({
    publicUrl: `http://127.0.0.1:${port}`,
    oidc: { issuer: "http://127.0.0.1:9", clientId: "harness", clientSecret: "harness-client-secret" },
    secretServer: { url: "http://127.0.0.1:9", username: "harness", password: "harness-password" },
  });
  worker = await startWranglerDev({ port, persistTo: state, vars: { ...vars, HARNESS_CANARY: CANARY } });
});

afterAll(async () => {
  // Undefined when beforeAll failed; the state folder is removed either way.
  await (worker as WranglerDev | undefined)?.close();
  await rm(state, { recursive: true, force: true });
});

it("serves the Worker on 127.0.0.1 once /health answers", async () => {
  expect(worker.url).toBe(`http://127.0.0.1:${worker.port}`);
  const res = await fetch(`${worker.url}/health`);
  expect(res.status).toBe(200);
});

it("captures the Worker's output, and wrangler does not print --var values", async () => {
  expect(worker.logs()).toContain(`Ready on http://127.0.0.1:${worker.port}`);
  expect(worker.logs()).toContain("env.HARNESS_CANARY");
  expect(worker.logs()).not.toContain(CANARY);
});

it("applied the migrations to the persisted state", async () => {
  expect(await applyLocalMigrations(state)).toMatch(/No migrations to apply/);
});

it("restarts on the same port and state, and kills the old process group", async () => {
  const before = worker.pid();
  await worker.restart();
  expect(worker.pid()).not.toBe(before);
  expect(() => process.kill(-(before ?? 0), 0)).toThrow();
  expect((await fetch(`${worker.url}/health`)).status).toBe(200);
  expect(worker.logs().match(/Ready on/g)).toHaveLength(2);
});

it("leaves no process behind on close", async () => {
  const pid = worker.pid() ?? 0;
  await worker.close();
  expect(() => process.kill(-pid, 0)).toThrow();
  await expect(fetch(`${worker.url}/health`)).rejects.toThrow();
  expect(worker.pid()).toBeUndefined();
});
