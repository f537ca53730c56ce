// `npm run demo`: what happens when a coding agent needs db/prod's password, step by step, with
// no agent. It signs in as Alice over OAuth, asks for the secret over MCP, runs the script it gets
// in bash, shows the variable is set (by its length only), cleans up, shows a replay refused, and
// prints the audit trail. No secret value is ever printed: the demo's own test checks that.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { localD1Command, querySettledLocalD1 } from "../stack/local-d1.ts";
import { stackSettings } from "../stack/stack-settings.ts";
import type { StackSettings } from "../stack/stack-settings.ts";
import { signInAsAgent } from "./agent-sign-in.ts";
import { runBash } from "./bash-run.ts";
import { runningStack, startOwnStack } from "./demo-stack.ts";
import type { DemoStack } from "./demo-stack.ts";
import { quote, say, step, table } from "./narration.ts";

const SECRET_PATH = "db/prod";
const CLIENT_NAME = "claimcheck demo agent";

/** The tool's structured answer (src/mcp/tools/get-secret-environment-variable.ts). */
const SnippetAnswer = z.object({
  script: z.string(),
  cleanup: z.string(),
  // Checked before it is written into a bash script below.
  variables: z.tuple([z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)]),
  expires_at: z.string(),
  ticket_id: z.string().regex(/^[0-9a-f]{12}$/),
});
type SnippetAnswer = z.infer<typeof SnippetAnswer>;

const ToolResult = z.object({
  content: z.array(z.object({ type: z.literal("text"), text: z.string() })),
  structuredContent: SnippetAnswer,
});

/** The ticket is a live capability until the script runs: shown shortened, as in the README. */
function withTicketShortened(text: string): string {
  return text.replace(/cct_([0-9a-f]{8})[0-9a-f]*_[A-Za-z0-9_-]+/g, "cct_$1…");
}

async function askForSecret(stack: DemoStack, accessToken: string): Promise<{ answer: SnippetAnswer; text: string }> {
  const client = new Client({ name: CLIENT_NAME, version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(stack.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  try {
    const args = { secret_path: SECRET_PATH, shell: "bash" };
    say(`tools/call get_secret_environment_variable ${JSON.stringify(args)}`);
    const result = await client.callTool({ name: "get_secret_environment_variable", arguments: args });
    if (result.isError) throw new Error(`the tool refused: ${JSON.stringify(result.content)}`);
    const parsed = ToolResult.parse(result);
    return { answer: parsed.structuredContent, text: parsed.content.map((c) => c.text).join("\n") };
  } finally {
    await client.close();
  }
}

async function runScriptAndCleanup(answer: SnippetAnswer): Promise<void> {
  const [name] = answer.variables;
  // Only the value's length is printed; `name` was checked to be a plain variable name.
  const useByName = `echo "${name} is set: \${#${name}} characters (its value is not printed)"`;
  const checkGone = `[ -z "\${${name}+set}" ] && echo "after the cleanup, ${name} is no longer set"`;
  say("$ <the script>", `$ ${useByName}`, `$ ${answer.cleanup}`, `$ ${checkGone}`);
  const run = await runBash([answer.script, useByName, answer.cleanup, checkGone]);
  quote(run.output);
  if (run.status !== 0 || !run.output.includes(`${name} is set: `)) throw new Error(`the script did not set ${name} (exit ${run.status})`);
}

async function replay(answer: SnippetAnswer): Promise<void> {
  say("$ <the same script, a second time>");
  const run = await runBash([answer.script]);
  quote(`${run.output.trimEnd()}\n(exit status ${run.status})`);
  if (run.status === 0) throw new Error("the replayed script succeeded: the ticket was not single-use");
  say("The ticket worked once. The second use was refused, and recorded as a replay: the ticket leaked.");
}

/** What to pass when the audit rows are not where the demo looked: the exact variable and folder. */
function wrongStateDir(stateDir: string): string {
  return `the audit trail is not in ${stateDir}, so the running Worker keeps its state elsewhere. Run the demo with the folder \`npm start\` printed as "Local state", e.g. CLAIMCHECK_STATE_DIR=<that folder> npm run demo (and the same PUBLIC_URL and ports).`;
}

async function showAudit(stack: DemoStack, ticketId: string): Promise<void> {
  const sql = `SELECT at, event, outcome, email, secret_path, field, ticket_id FROM audit_events WHERE ticket_id = '${ticketId}' ORDER BY at, id`;
  say(`$ ${localD1Command(stack.stateDir, sql).map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")}`);
  // Settled: the redemption's row may still be in its ticket store's outbox for up to a second.
  const rows = await querySettledLocalD1(stack.stateDir, sql).catch((err: unknown) => {
    // Not the state folder of the running Worker (a stack started by hand, with another folder).
    if (String(err).includes("no such table")) throw new Error(wrongStateDir(stack.stateDir));
    throw err;
  });
  if (rows.length === 0) throw new Error(wrongStateDir(stack.stateDir));
  table(rows, ["at", "event", "outcome", "email", "secret_path", "field", "ticket_id"]);
  say("Ids, names and hashes only: never a value, never a ticket.");
}

async function walkThrough(stack: DemoStack, settings: StackSettings): Promise<void> {
  step(2, `The agent connects to ${stack.mcpUrl} and signs in (OAuth 2.1, as Claude Code or Codex do)`);
  const { accessToken, steps } = await signInAsAgent(
    stack.mcpUrl,
    { username: "alice@demo.test", password: settings.demoPasswords.alice },
    { clientName: CLIENT_NAME, idpOrigin: stack.oidcIssuer },
  );
  say(...steps.map((s) => `- ${s}`));

  step(3, `The agent asks for ${SECRET_PATH} in bash`);
  const { answer, text } = await askForSecret(stack, accessToken);
  say("The answer, which is all the model ever sees (the ticket shortened here):");
  quote(withTicketShortened(text));

  step(4, "The agent's shell runs the script, uses the variable by name, then the cleanup");
  await runScriptAndCleanup(answer);

  step(5, "Someone runs the script again (say, from a leaked transcript)");
  await replay(answer);

  step(6, "The audit trail of this ticket");
  await showAudit(stack, answer.ticket_id);
  console.log(`\nDone: ticket ${answer.ticket_id} was minted, redeemed once into $${answer.variables[0]}, and its replay refused.`);
}

async function main(): Promise<void> {
  const settings = stackSettings(process.env);
  console.log(`claimcheck demo: an agent gets ${SECRET_PATH}'s password into a shell variable without ever seeing it.`);
  step(1, "The local stack");
  let stack = await runningStack(settings);
  if (stack !== undefined) {
    say(`Using the claimcheck that \`npm start\` runs at ${stack.publicUrl}.`);
  } else {
    say(`Nothing answers at ${settings.publicUrl}: starting the Secret Server stand-in, the OpenID provider`);
    say("and the Worker, as `npm start` does (20 to 60 s); they stop again at the end.");
    stack = await startOwnStack(settings);
  }
  try {
    await walkThrough(stack, settings);
  } finally {
    await stack.close();
  }
}

try {
  await main();
} catch (err) {
  console.error(`\nThe demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
