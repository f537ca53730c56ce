// The MCP Inspector's CLI (2.x) against the real product on 127.0.0.1, as a person uses it from a
// script: no TTY, so MCP_AUTO_OPEN_ENABLED=true makes it sign in anyway; it prints the
// authorization URL, a person approves in headless Chromium, the redirect reaches the Inspector's
// loopback callback, and it prints tools/list. A second run reuses the stored sign-in
// (--stored-auth-only) for tools/call, and the script it prints redeems once in real bash.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";
import { approveInChromium, startChromium, type Chromium } from "../support/chromium-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { SnippetAnswer } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir, type ShellWorkdir } from "../support/shell-session.ts";

const INSPECTOR = join(PROJECT_ROOT, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");
const ALICE = { email: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD };
const RUN_TIMEOUT_MS = 45_000;

let stack: McpStack;
let browser: Chromium;
let home: string;
let shellDir: ShellWorkdir;
let seeded: SeededValues;
let callbackUrl: string;

beforeAll(async () => {
  seeded = await loadSeededValues();
  shellDir = await makeShellWorkdir();
  home = await mkdtemp(join(tmpdir(), "claimcheck-inspector-"));
  stack = await startMcpStack({ accessPolicy: [{ groups: ["db-admins"], paths: ["db/**"] }] });
  browser = await startChromium();
  callbackUrl = `http://127.0.0.1:${await findFreePort()}/oauth/callback`;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await shellDir?.remove();
  await rm(home, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string };

/** One `inspector --cli` run; `whileRunning` gets its stderr so far (to find the authorization URL). */
async function inspectorCli(args: string[], whileRunning?: (stderr: () => string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [INSPECTOR, "--cli", stack.mcpUrl.href, "--transport", "http", "--callback-url", callbackUrl, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      XDG_CONFIG_HOME: home,
      XDG_DATA_HOME: home,
      // No TTY here: sign in anyway, and keep the tokens in a file under HOME for the next run.
      MCP_AUTO_OPEN_ENABLED: "true",
      MCP_INSPECTOR_SECRET_STORE: "file",
      BROWSER: "true",
      NO_COLOR: "1",
      NO_PROXY: "127.0.0.1,localhost",
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await whileRunning?.(() => stderr);
    const code = await withinMs(exited, RUN_TIMEOUT_MS);
    if (code === TIMED_OUT) throw new Error(`inspector did not finish within ${RUN_TIMEOUT_MS} ms:\n${stderr.slice(-2000)}`);
    return { code, stdout, stderr };
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function authorizationUrlIn(stderr: () => string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /Please navigate to:\s*(\S+)/.exec(stderr());
    if (match) return match[1]!;
    if (Date.now() > deadline) throw new Error(`the Inspector printed no authorization URL:\n${stderr().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("MCP Inspector CLI", () => {
  it("signs in without a TTY (MCP_AUTO_OPEN_ENABLED=true) through Chromium, then lists the tools", async () => {
    let authorizationUrl = "";
    const run = await inspectorCli(["--method", "tools/list"], async (stderr) => {
      authorizationUrl = await authorizationUrlIn(stderr);
      await approveInChromium(browser, authorizationUrl, ALICE, { publicUrl: stack.publicUrl, oidcIssuer: stack.idp.issuer, clientCallback: callbackUrl });
    });
    expect(run.code, run.stderr).toBe(0);
    const url = new URL(authorizationUrl);
    expect(url.searchParams.get("resource")).toBe(stack.mcpUrl.href);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const { tools } = JSON.parse(run.stdout) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["get_secret_environment_variable", "whoami"]));
  });

  it("reuses the stored sign-in for tools/call; the script it prints redeems once in real bash", async () => {
    const run = await inspectorCli([
      "--stored-auth-only",
      "--method", "tools/call",
      "--tool-name", "get_secret_environment_variable",
      "--tool-args-json", JSON.stringify({ secret_path: "db/prod", shell: "bash" }),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { isError?: boolean; structuredContent?: unknown };
    expect(result.isError).toBeFalsy();
    const { script } = SnippetAnswer.parse(result.structuredContent);
    for (const printed of [run.stdout, run.stderr]) expect(printed).not.toContain(seeded.valueOf(11, "password"));

    const first = await shellDir.run("bash", [script, 'printf %s "$PROD_PASSWORD" > value']);
    expect(first.status).toBe(0);
    expect(await shellDir.text("value")).toBe(seeded.valueOf(11, "password"));
    expect((await shellDir.run("bash", [script])).status).not.toBe(0);
  });
});
