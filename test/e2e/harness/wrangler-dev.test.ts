// The Worker under `wrangler dev`, as every end-to-end test starts it: migrated state, logs kept,
// restart on the same state, nothing left running after close.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { workerVars } from "../../../dev/stack/worker-vars.ts";
import { applyLocalMigrations, startWranglerDev } from "../../../dev/stack/wrangler-dev.ts";
import type { WranglerDev } from "../../../dev/stack/wrangler-dev.ts";

const CANARY = `canary-${randomBytes(12).toString("hex")}`;
/** Values the env file must carry byte for byte: what dotenv and dotenv-expand would otherwise change. */
const TRICKY_SETTINGS = {
  HARNESS_DOLLARS: "pa$$word $HOME ${PATH} \\$ends with $",
  HARNESS_QUOTES: `it's a "mix" of 'quotes'`,
  HARNESS_JSON: '[{"subjects":["a@b.example"],"paths":["db/**"]}]',
  HARNESS_HASH: "before # after",
  HARNESS_SPACES: "  leading and trailing  ",
  HARNESS_BACKSLASHES: "C:\\path\\n\\t",
  HARNESS_BACKSLASH_QUOTES: "it\\'s \\\"quoted\\\"",
};
let state: string;
let worker: WranglerDev;
/** The settings file wrangler was given, as its command line shows. */
let envFile = "";

beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), "claimcheck-harness-test-"));
  const port = await findFreePort();
  // Nothing answers at these addresses: /health needs valid settings, not reachable neighbours.
  const vars = workerVars({
    publicUrl: `http://127.0.0.1:${port}`,
    oidc: { issuer: "http://127.0.0.1:9", clientId: "harness", clientSecret: "harness-client-secret" },
    secretServer: { url: "http://127.0.0.1:9", username: "harness", password: "harness-password" },
  });
  worker = await startWranglerDev({
    port,
    persistTo: state,
    script: "test/worker-entries/settings-echo.ts",
    vars: { ...vars, ...TRICKY_SETTINGS, HARNESS_CANARY: CANARY },
  });
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

it("captures the Worker's output, and wrangler does not print setting values", async () => {
  expect(worker.logs()).toContain(`Ready on http://127.0.0.1:${worker.port}`);
  expect(worker.logs()).toContain("env.HARNESS_CANARY");
  expect(worker.logs()).not.toContain(CANARY);
});

it("refuses, before starting anything, a value no env file quoting carries", async () => {
  for (const value of ["ends in a backslash\\", "lone surrogate \uD800", "two\nlines"]) {
    await expect(startWranglerDev({ vars: { HARNESS_BAD: value } })).rejects.toThrow(/HARNESS_BAD/);
  }
});

it("hands the Worker every setting byte for byte", async () => {
  const res = await fetch(`${worker.url}/_test/settings`);
  expect(await res.json()).toEqual({ ...TRICKY_SETTINGS, HARNESS_CANARY: CANARY });
});

it("keeps settings off every command line, where any local user could read them", async () => {
  const group = worker.pid() ?? 0;
  const commandLines: string[] = [];
  for (const entry of await readdir("/proc")) {
    const procStat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid pgrp: wrangler's whole process group, workerd included.
    if (Number(procStat.slice(procStat.lastIndexOf(")") + 2).split(" ")[2]) !== group) continue;
    commandLines.push(await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => ""));
  }
  const args = commandLines.find((line) => line.includes("\0--env-file\0"))?.split("\0") ?? [];
  envFile = args[args.indexOf("--env-file") + 1] ?? "";
  expect((await stat(envFile)).mode & 0o077).toBe(0); // the file: this user only
  expect(commandLines.join("\n")).not.toContain(CANARY);
  expect(commandLines.join("\n")).not.toContain("harness-password");
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

it("leaves no process and no settings file behind on close", async () => {
  const pid = worker.pid() ?? 0;
  await worker.close();
  expect(() => process.kill(-pid, 0)).toThrow();
  await expect(fetch(`${worker.url}/health`)).rejects.toThrow();
  expect(worker.pid()).toBeUndefined();
  expect(envFile).not.toBe("");
  expect(existsSync(envFile)).toBe(false);
});
