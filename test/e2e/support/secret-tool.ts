// Calling get_secret_environment_variable as an agent does, and reading its answer: the script,
// the cleanup, the variable names, and the claim ticket inside the script (for the leak scan).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { z } from "zod";

export const SnippetAnswer = z.object({
  script: z.string(),
  cleanup: z.string(),
  variables: z.array(z.string()).length(1),
  expires_at: z.iso.datetime(),
  ticket_id: z.string().regex(/^[0-9a-f]{12}$/),
  secret: z.object({ id: z.number(), path: z.string(), field: z.string() }),
});
export type SnippetAnswer = z.infer<typeof SnippetAnswer>;

export type SecretRequest = {
  secret_path: string;
  shell: string;
  field?: string;
  variable_name?: string;
  command?: string;
};

/** The shape of a claim ticket (src/tickets/ticket-format.ts): `cct_<routing>_<key>`. */
const TICKET = /cct_[0-9a-f]{64}_([A-Za-z0-9_-]{43})/g;

/** Each ticket in `text`, with its secret part (which may itself hold `_`). */
export function ticketsIn(text: string): { ticket: string; key: string }[] {
  return [...text.matchAll(TICKET)].map((m) => ({ ticket: m[0], key: m[1]! }));
}

/** Calls the tool; throws with the tool's error text when it answers with an error. */
export async function getSecretVariable(client: Client, request: SecretRequest): Promise<SnippetAnswer> {
  const result = await client.callTool({ name: "get_secret_environment_variable", arguments: request });
  if (result.isError) throw new Error(`get_secret_environment_variable failed: ${JSON.stringify(result.content)}`);
  return SnippetAnswer.parse(result.structuredContent);
}

/** The text of a tool error, or undefined when the call succeeded. */
export async function toolErrorText(client: Client, name: string, args: Record<string, unknown>): Promise<string | undefined> {
  const result = await client.callTool({ name, arguments: args });
  if (!result.isError) return undefined;
  return z.array(z.object({ type: z.literal("text"), text: z.string() })).parse(result.content).map((c) => c.text).join("\n");
}
