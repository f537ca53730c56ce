// mcp-remote, the stdio bridge for clients that speak only stdio (Claude Desktop, older IDEs),
// against the real product on 127.0.0.1: it discovers the Worker, registers itself, prints the
// authorization URL; a person signs in and approves in headless Chromium, whose redirect reaches
// mcp-remote's own loopback callback; then tools/list and tools/call travel over its stdin and
// stdout, and the script it hands back redeems once in real bash. No network beyond 127.0.0.1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";
import { approveInChromium, startChromium, type Chromium } from "../support/chromium-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { SnippetAnswer } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir, type ShellWorkdir } from "../support/shell-session.ts";
import { startStdioMcp, type RpcMessage, type StdioMcp } from "../support/stdio-mcp.ts";

const MCP_REMOTE = join(PROJECT_ROOT, "node_modules", "mcp-remote", "dist", "proxy.js");
const ALICE = { email: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD };

let stack: McpStack;
let browser: Chromium;
let remote: StdioMcp;
let configDir: string;
let shellDir: ShellWorkdir;
let seeded: SeededValues;
let callbackPort: number;
let authorizationUrl: URL;
let initialized: RpcMessage;

beforeAll(async () => {
  seeded = await loadSeededValues();
  shellDir = await makeShellWorkdir();
  configDir = await mkdtemp(join(tmpdir(), "claimcheck-mcp-remote-"));
  stack = await startMcpStack({ accessPolicy: [{ groups: ["db-admins"], paths: ["db/**"] }] });
  browser = await startChromium();
  callbackPort = await findFreePort();
}, 90_000);

afterAll(async () => {
  await remote?.close();
  await browser?.close();
  await stack?.close();
  await shellDir?.remove();
  await rm(configDir, { recursive: true, force: true });
});

describe("mcp-remote over stdio", () => {
  it("signs in: the authorization URL it prints, approved in Chromium, reaches its loopback callback", async () => {
    remote = startStdioMcp(process.execPath, [MCP_REMOTE, stack.mcpUrl.href, String(callbackPort), "--host", "127.0.0.1"], {
      PATH: process.env.PATH ?? "",
      // Its tokens and registration go to a private folder, not the user's ~/.mcp-auth.
      HOME: configDir,
      MCP_REMOTE_CONFIG_DIR: configDir,
      // It tries to open a browser itself; `true` stands in, and Chromium below is the person's.
      BROWSER: "true",
      NO_PROXY: "127.0.0.1,localhost",
    });
    // The agent's first message waits in mcp-remote until the sign-in is done.
    const init = remote.request("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "stdio-agent", version: "1.0.0" } }, 60_000);

    const [, url] = await remote.stderrMatch(/Please authorize this client by visiting:\s*\n(\S+)/, 30_000);
    authorizationUrl = new URL(url!);
    const callbackPage = await approveInChromium(browser, authorizationUrl.href, ALICE, {
      publicUrl: stack.publicUrl,
      oidcIssuer: stack.idp.issuer,
      clientCallback: `http://127.0.0.1:${callbackPort}/oauth/callback`,
    });
    expect(callbackPage).toMatch(/authoriz/i);

    initialized = await init;
    expect(initialized.error).toBeUndefined();
    expect(initialized.result.serverInfo.name).toBe("claimcheck");
    remote.notify("notifications/initialized");
  });

  it("asked with PKCE S256 and the resource parameter, for its own loopback redirect", () => {
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${stack.publicUrl}/authorize`);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("resource")).toBe(stack.mcpUrl.href);
    expect(authorizationUrl.searchParams.get("redirect_uri")).toBe(`http://127.0.0.1:${callbackPort}/oauth/callback`);
  });

  it("tools/list and whoami answer through the bridge", async () => {
    const list = await remote.request("tools/list", {});
    expect(list.result.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(["get_secret_environment_variable", "whoami"]));
    const who = await remote.request("tools/call", { name: "whoami", arguments: {} });
    expect(who.result.structuredContent).toMatchObject({ email: "alice@demo.test" });
  });

  it("the script it hands back sets the variable in real bash once; a second run is refused", async () => {
    const call = await remote.request("tools/call", { name: "get_secret_environment_variable", arguments: { secret_path: "db/prod", shell: "bash" } });
    expect(call.result.isError).toBeFalsy();
    const { script } = SnippetAnswer.parse(call.result.structuredContent);
    expect(JSON.stringify(call)).not.toContain(seeded.valueOf(11, "password"));

    const first = await shellDir.run("bash", [script, 'printf %s "$PROD_PASSWORD" > value']);
    expect(first.status).toBe(0);
    expect(await shellDir.text("value")).toBe(seeded.valueOf(11, "password"));
    const again = await shellDir.run("bash", [script]);
    expect(again.status).not.toBe(0);
  });

  it("never printed a value or the Worker's credentials on its stderr", () => {
    const printed = remote.stderr();
    for (const needle of seeded.needles(6)) expect(printed, needle.label).not.toContain(needle.value);
    for (const credential of stack.workerCredentials) expect(printed).not.toContain(credential);
  });
});
