// Coding agents for the MCP benches, against the real front door: each signs in with the MCP SDK
// as its own OAuth client (registration, PKCE, the OpenID provider's login, the consent page), so
// each has its own grant and so its own ticket session, and comes from its own client address.
// One agent's step is a tool call for db/prod's password, then the redemption of the ticket in the
// answer, over HTTP as the snippet's curl sends it or by running the script in bash. Every step is
// checked (the value byte for byte); errors carry codes and statuses only, never a body or value.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_ALICE_PASSWORD } from "../dev/oidc-provider/demo-users.ts";
import { signInToMcp, type SignedIn } from "../test/e2e/support/mcp-sign-in.ts";
import type { McpStack } from "../test/e2e/support/mcp-stack.ts";
import { SnippetAnswer, ticketsIn } from "../test/e2e/support/secret-tool.ts";
import { makeShellWorkdir, type ShellWorkdir } from "../test/e2e/support/shell-session.ts";

/** Alice (group db-admins) asks for db/prod's password (dev/secret-server/seed.json, secret 11). */
const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD };
export const BENCH_ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/prod"] }];
export const BENCH_SECRET = { id: 11, field: "password" };
const REQUEST = { secret_path: "db/prod", shell: "bash" };
const VARIABLE = "PROD_PASSWORD";

export type McpAgent = {
  n: number;
  signedIn: SignedIn;
  /** Sent as CF-Connecting-IP, which wrangler dev passes through when the client sets it. */
  address: string;
  shell: ShellWorkdir;
};

/** What one step took, in milliseconds. */
export type StepTimes = { toolMs: number; totalMs: number };

/** A documentation address (TEST-NET-2) per agent, so agents are not one client to the rate limiter. */
export function agentAddress(n: number): string {
  return `198.51.100.${n % 256}`;
}

async function signInOne(stack: McpStack, n: number): Promise<McpAgent> {
  const signedIn = await signInToMcp(stack, ALICE, { clientName: `bench agent ${n}`, fetch });
  return { n, signedIn, address: agentAddress(n), shell: await makeShellWorkdir() };
}

/** `count` agents, signed in `parallel` at a time; if one sign-in fails, those done are closed. */
export async function signInAgents(stack: McpStack, count: number, parallel: number): Promise<McpAgent[]> {
  const agents: McpAgent[] = [];
  for (let first = 0; first < count; first += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - first) }, (_, i) => signInOne(stack, first + i + 1));
    const settled = await Promise.allSettled(batch);
    for (const outcome of settled) if (outcome.status === "fulfilled") agents.push(outcome.value);
    const failed = settled.find((outcome) => outcome.status === "rejected");
    if (failed) {
      await closeAgents(agents);
      throw failed.reason;
    }
  }
  return agents;
}

export async function closeAgents(agents: readonly McpAgent[]): Promise<void> {
  for (const agent of agents) {
    await agent.signedIn.client.close();
    await agent.shell.remove();
  }
}

/** The tool call; throws with the tool's error code (never more) when it answers with an error. */
async function mint(agent: McpAgent): Promise<SnippetAnswer> {
  const result = await agent.signedIn.client.callTool({ name: "get_secret_environment_variable", arguments: REQUEST });
  if (result.isError) {
    const text = JSON.stringify(result.content);
    throw new Error(`tool error ${/"text":"([A-Z_]+):/.exec(text)?.[1] ?? "(no code)"}`);
  }
  return SnippetAnswer.parse(result.structuredContent);
}

/** The Worker's error code from a refusal's JSON body, else the answer's content type (never the body). */
function refusalCode(response: Response, body: string): string {
  const code = /^\{"error":"([A-Z_]+)"/.exec(body)?.[1];
  return code ?? `(${response.headers.get("content-type") ?? "no content type"}, not from the Worker's error mapping)`;
}

/** Tool call, then POST /redeem with the answer's ticket; checks the value. */
export async function mintAndRedeem(stack: McpStack, agent: McpAgent, expected: string): Promise<StepTimes> {
  const start = performance.now();
  const answer = await mint(agent);
  const toolMs = performance.now() - start;
  const ticket = ticketsIn(answer.script)[0]?.ticket;
  if (ticket === undefined) throw new Error("no ticket in the script");
  const response = await fetch(`${stack.publicUrl}/redeem`, {
    method: "POST",
    headers: { authorization: `Bearer ${ticket}`, "cf-connecting-ip": agent.address, "user-agent": "claimcheck-bench-agent" },
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`redeem HTTP ${response.status} ${refusalCode(response, body)}`);
  if (body !== expected) throw new Error("redeem answered a different value");
  return { toolMs, totalMs: performance.now() - start };
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * Tool call, then the script run in bash until the variable is set and bash has exited: what an
 * agent waits for between asking and using the variable. The variable's bytes go to a file in
 * the agent's private folder and are compared by hash.
 */
export async function mintIntoVariable(agent: McpAgent, expected: string): Promise<StepTimes> {
  const start = performance.now();
  const answer = await mint(agent);
  const toolMs = performance.now() - start;
  const { status, output } = await agent.shell.run("bash", [answer.script, `printf '%s' "$${VARIABLE}" > value`]);
  const totalMs = performance.now() - start;
  const value = await agent.shell.bytes("value");
  await rm(join(agent.shell.path, "value"), { force: true });
  if (status !== 0) throw new Error(`bash exited ${status}: ${/curl: \(\d+\)[^\n]*/.exec(output)?.[0] ?? "no curl error"}`);
  if (sha256(value) !== sha256(expected)) throw new Error("the variable holds a different value");
  return { toolMs, totalMs };
}
