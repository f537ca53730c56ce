// An agent on MCP 2026-07-28, next to the 2025-11-25 one in agent-session.test.ts: the v2 client SDK
// (@modelcontextprotocol/client), pinned to the 2026 revision, against the real product on
// 127.0.0.1 (`wrangler dev`, the local OpenID provider, the Secret Server stand-in). Discovery,
// registration, PKCE with the `resource` parameter (RFC 8707), the RFC 9207 `iss` the client
// checks, then tools/list, tools/call and the errors, with one script run in real bash.
import { IssuerMismatchError } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { approveInBrowser, finishAuthorization2026, MCP_2026, signInToMcp2026, startAuthorization2026, type SignedIn2026 } from "../support/mcp-sign-in-2026.ts";
import { SnippetAnswer, ticketsIn } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir, type ShellWorkdir } from "../support/shell-session.ts";
import { recordTranscript } from "../support/transcript.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // group db-admins
const BOB = { username: "bob@demo.test", password: DEFAULT_BOB_PASSWORD }; // group contractors: nothing
const ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**"] }];

const transcript = recordTranscript();
let stack: McpStack;
let seeded: SeededValues;
let alice: SignedIn2026;
let shellDir: ShellWorkdir;

beforeAll(async () => {
  seeded = await loadSeededValues();
  shellDir = await makeShellWorkdir();
  stack = await startMcpStack({ accessPolicy: ACCESS_POLICY });
});

afterAll(async () => {
  await alice?.client.close();
  await stack?.close();
  await shellDir?.remove();
});

/** The text of a failed call, whether the server answered with a JSON-RPC error or a tool error. */
async function failureText(call: Promise<{ isError?: boolean; content?: unknown }>): Promise<string> {
  const outcome = await call.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ("error" in outcome) return String(outcome.error);
  expect(outcome.result.isError).toBe(true);
  return JSON.stringify(outcome.result.content);
}

function expectNoValueIn(text: string) {
  for (const needle of seeded.needles(6)) expect(text, needle.label).not.toContain(needle.value);
}

describe("signing in on MCP 2026-07-28 with the v2 client SDK", () => {
  it("discovers the authorization server, registers, signs in with PKCE and the resource parameter, and connects on 2026-07-28", async () => {
    alice = await signInToMcp2026(stack, ALICE, { clientName: "E2E agent (2026 SDK)", fetch: transcript.fetch });

    const exchanges = await transcript.exchanges();
    const steps = exchanges.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);
    expect(steps[0]).toBe("POST /mcp 401");
    expect(steps).toContain("GET /.well-known/oauth-authorization-server 200");
    expect(steps.some((s) => /^GET \/\.well-known\/oauth-protected-resource(\/mcp)? 200$/.test(s))).toBe(true);
    expect(steps).toContain("POST /oauth/register 201");
    expect(steps).toContain("POST /oauth/token 200");

    const authorize = alice.oauth.authorizationUrl;
    expect(authorize.origin + authorize.pathname).toBe(`${stack.publicUrl}/authorize`);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("resource")).toBe(stack.mcpUrl.href);

    const token = exchanges.find((e) => new URL(e.url).pathname === "/oauth/token")!;
    expect(new URLSearchParams(token.requestBody).get("resource")).toBe(stack.mcpUrl.href);
    expect(JSON.parse(token.responseBody)).toMatchObject({ token_type: "bearer", resource: stack.mcpUrl.href });

    expect(alice.client.getNegotiatedProtocolVersion()).toBe(MCP_2026);
  });

  it("RFC 9207: the redirect names the Worker as issuer, and the client refuses one that names another", async () => {
    const options = { clientName: "E2E agent (2026 SDK, iss check)", fetch: transcript.fetch };
    const pending = await startAuthorization2026(stack.mcpUrl, options);
    const redirect = await approveInBrowser(stack, BOB, pending.authorizationUrl);
    expect(redirect.searchParams.get("iss")).toBe(stack.publicUrl);

    const forged = new URL(redirect);
    forged.searchParams.set("iss", "https://attacker.example");
    await expect(pending.transport.finishAuth(forged.searchParams)).rejects.toBeInstanceOf(IssuerMismatchError);

    // The refused answer cost nothing: the genuine one still signs in.
    const bob = await finishAuthorization2026(pending, redirect, { ...options, mcpUrl: stack.mcpUrl });
    const who = await bob.client.callTool({ name: "whoami", arguments: {} });
    expect(who.structuredContent).toMatchObject({ email: "bob@demo.test" });
    await bob.client.close();
  });

  it("a request without a token gets 401 with the resource metadata link, on the 2026 revision too", async () => {
    const res = await fetch(stack.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": MCP_2026 },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain(`resource_metadata="${stack.publicUrl}/.well-known/oauth-protected-resource/mcp"`);
  });
});

describe("tools over MCP 2026-07-28", () => {
  it("tools/list: the secret tools, with annotations and schemas", async () => {
    const { tools } = await alice.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["get_secret_environment_variable", "search_secrets", "revoke_tickets", "whoami"]));
    const secretTool = tools.find((t) => t.name === "get_secret_environment_variable")!;
    expect(secretTool.inputSchema.properties).toHaveProperty("secret_path");
    expect(secretTool.outputSchema?.properties).toHaveProperty("script");
    expect(tools.find((t) => t.name === "whoami")?.annotations?.readOnlyHint).toBe(true);
  });

  it("tools/call: whoami and search_secrets answer as the signed-in user", async () => {
    const who = await alice.client.callTool({ name: "whoami", arguments: {} });
    expect(who.structuredContent).toMatchObject({ email: "alice@demo.test", groups: ["engineering", "db-admins"] });
    const found = await alice.client.callTool({ name: "search_secrets", arguments: { query: "prod" } });
    expect(found.structuredContent).toMatchObject({ secrets: expect.arrayContaining([expect.objectContaining({ path: "db/prod" })]) });
  });

  it("tools/call: the script it returns sets the variable in real bash, once", async () => {
    const result = await alice.client.callTool({ name: "get_secret_environment_variable", arguments: { secret_path: "db/prod", shell: "bash" } });
    expect(result.isError).toBeFalsy();
    const answer = SnippetAnswer.parse(result.structuredContent);
    expectNoValueIn(JSON.stringify(result));

    const first = await shellDir.run("bash", [answer.script, 'printf %s "$PROD_PASSWORD" > value']);
    expect(first.status).toBe(0);
    expect(await shellDir.text("value")).toBe(seeded.valueOf(11, "password"));
    const again = await shellDir.run("bash", [answer.script]);
    expect(again.status).not.toBe(0);
    expect(again.output).toContain("PROD_PASSWORD is not set");
  });

  it("errors: an unknown tool, bad arguments and a secret outside the policy fail without a value or a ticket", async () => {
    const unknown = await failureText(alice.client.callTool({ name: "no_such_tool", arguments: {} }));
    expect(unknown).toMatch(/no_such_tool|not found/i);

    const badShell = await failureText(alice.client.callTool({ name: "get_secret_environment_variable", arguments: { secret_path: "db/prod", shell: "tcsh" } }));
    expect(badShell).toMatch(/shell/i);

    const forbidden = await failureText(alice.client.callTool({ name: "get_secret_environment_variable", arguments: { secret_path: "Payments/stripe", shell: "bash" } }));
    expect(forbidden).toContain("NOT_FOUND: No such secret, or you are not allowed to access it.");

    for (const text of [unknown, badShell, forbidden]) {
      expect(ticketsIn(text)).toEqual([]);
      expectNoValueIn(text);
    }
  });
});
