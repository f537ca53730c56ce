// set_secret_field: stores a value the user's shell holds (piped in, in an environment variable or
// in a file) into one field of a secret, without the value passing through the model. Returns a
// snippet holding a single-use deposit ticket; needs a write rule for the secret.
import type { McpServer } from "@modelcontextprotocol/server";
import { env } from "cloudflare:workers";
import { z } from "zod";
import { loadConfig } from "../../config";
import { currentGrant } from "../caller";
import { chooseField } from "../choose-field";
import { depositInstructions, depositScript, DepositShell, DepositSource } from "../deposit-script";
import { findAllowedSecret, parseSecretRef } from "../secret-access";
import { CommentInput, FieldInput, SecretPathInput } from "../tool-inputs";
import { asToolResult } from "../tool-result";

const Input = z.object({
  secret_path: SecretPathInput,
  field: FieldInput,
  shell: DepositShell,
  source: DepositSource,
  comment: CommentInput,
});

const Output = z.object({
  script: z.string().describe("Shell code that sends the value from the source to Secret Server, once"),
  expires_at: z.string().describe("When the deposit ticket in the script expires (ISO 8601)"),
  ticket_id: z.string().describe("Short, non-secret id of the ticket, as it appears in the audit trail"),
  approval: z
    .object({ status: z.literal("pending"), url: z.string(), expires_at: z.string(), approvers: z.string() })
    .optional()
    .describe("Present when a person must approve first: the script waits for the decision"),
});

const DESCRIPTION = [
  "Stores a value from the user's shell into a Secret Server secret WITHOUT the value passing through you:",
  'for example the API key a command just created. `source` is "stdin" (pipe the value into the script:',
  '`openssl rand -hex 32 | <script>`), "env:NAME" or "file:PATH".',
  "Returns a short script holding a single-use deposit ticket; run it as given. Never print the value.",
].join(" ");

export function registerSetSecretField(server: McpServer): void {
  server.registerTool(
    "set_secret_field",
    {
      title: "Store a value from the shell in a secret's field",
      description: DESCRIPTION,
      inputSchema: Input,
      outputSchema: Output,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (input, ctx) =>
      asToolResult(async () => {
        const config = loadConfig(env);
        const grant = await currentGrant(ctx);
        const secret = await findAllowedSecret(env, config, grant, parseSecretRef(input.secret_path), "write");
        const field = chooseField(secret.fields, input.field);
        const out = await depositScript(env, config, grant, secret, { field, shell: input.shell, source: input.source, comment: input.comment });
        return { content: [{ type: "text", text: depositInstructions(input.shell, out, `${secret.path} ${field}`) }], structuredContent: out };
      }),
  );
}
