// create_secret: creates a secret whose password the model never sees: Secret Server's generator
// fills it, or a deposit snippet sends it from the user's shell. Needs a write rule for the new
// secret's `Folder/Name`; a refusal looks like "not found", as for reads.
import type { McpServer } from "@modelcontextprotocol/server";
import { env } from "cloudflare:workers";
import { z } from "zod";
import { requiredApproval } from "../../approval/approval-rules";
import { recordAudit } from "../../audit/audit-log";
import { loadConfig } from "../../config";
import { ClaimcheckError } from "../../errors";
import { isAllowed, normalizeSecretPath } from "../../policy/access-policy";
import { secretServerClientFor, type SecretTemplate } from "../../secret-server";
import { currentGrant, type Grant } from "../caller";
import { depositInstructions, depositScript, DepositShell, DepositSource } from "../deposit-script";
import { asToolResult } from "../tool-result";

const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const Input = z.object({
  folder_path: z.string().min(1).max(512).describe("The folder to create it in, like `Payments/agents`"),
  name: z.string().min(1).max(256).regex(/^[^\\/\0\r\n]+$/, { error: "name must not hold / or \\ or line breaks" }).describe("The new secret's name"),
  template: z.union([z.string().min(1).max(256), z.number().int().positive()]).describe("Secret template name (e.g. `Password`) or id"),
  fields: z
    .record(z.string().regex(SLUG), z.string().max(4096))
    .default({})
    .describe('Non-secret field values by slug, e.g. { "username": "ci-bot", "url": "https://…" }; never a password'),
  password: z.enum(["generate", "deposit"]).default("generate").describe('"generate": Secret Server generates it (never shown); "deposit": a script sends it from the shell'),
  shell: DepositShell.optional().describe('With password "deposit": the shell that will run the script'),
  source: DepositSource.optional(),
  comment: z.string().min(1).max(500).optional().describe("Why the secret is created"),
});

const Output = z.object({
  id: z.number(),
  path: z.string(),
  template: z.string(),
  fields: z.array(z.string()).describe("Slugs of the fields set"),
  password: z.enum(["generated", "awaiting_deposit"]),
  script: z.string().optional().describe('With password "deposit": the script that sends the value'),
  expires_at: z.string().optional(),
  ticket_id: z.string().optional(),
});

type Input = z.infer<typeof Input>;

/** The template's password field; values for it, or for file fields, never come through the model. */
function passwordField(template: SecretTemplate, fields: Record<string, string>): string {
  for (const slug of Object.keys(fields)) {
    const field = template.fields.find((f) => f.slug.toLowerCase() === slug.toLowerCase());
    if (!field) throw new ClaimcheckError("BAD_REQUEST", { message: `Template ${template.name} has no field "${slug}".` });
    if (field.isPassword || field.isFile) {
      throw new ClaimcheckError("BAD_REQUEST", { message: `"${slug}" is a ${field.isPassword ? "password" : "file"} field: it is never passed through the model. Use password "generate" or "deposit".` });
    }
  }
  const password = template.fields.find((f) => f.isPassword);
  if (!password) throw new ClaimcheckError("BAD_REQUEST", { message: `Template ${template.name} has no password field.` });
  return password.slug;
}

async function refuseUnlessWritable(grant: Grant, path: string, policy: ReturnType<typeof loadConfig>["accessPolicy"]): Promise<void> {
  const target = { id: 0, path }; // a new secret has no id yet: only path rules can allow it
  if (!isAllowed(policy, grant.who, target, "write")) {
    await recordAudit(env.DB, { event: "deny", outcome: "forbidden", subject: grant.who.sub, email: grant.who.email, clientId: grant.clientId, session: grant.session, secretPath: path, detail: { action: "create" } });
    throw new ClaimcheckError("NOT_FOUND", { detail: "policy" });
  }
  if (requiredApproval(policy, grant.who, target, "write")) {
    throw new ClaimcheckError("BAD_REQUEST", { message: "Creating this secret needs a person's approval, which create_secret cannot wait for yet." });
  }
}

async function create(input: Input, grant: Grant) {
  const config = loadConfig(env);
  const folder = normalizeSecretPath(input.folder_path);
  const path = folder === "" ? input.name : `${folder}/${input.name}`;
  await refuseUnlessWritable(grant, path, config.accessPolicy);
  if (input.password === "deposit" && (!input.shell || !input.source)) {
    throw new ClaimcheckError("BAD_REQUEST", { message: 'password "deposit" needs shell and source.' });
  }
  const client = secretServerClientFor(config.secretServer);
  const template = await client.templateByNameOrId(input.template);
  const slug = passwordField(template, input.fields);
  // Secret Server's generator fills the password either way: with "deposit" the snippet then
  // replaces it, so the secret never exists without one.
  const created = await client.createSecret({
    folderId: await client.folderIdByPath(folder),
    templateId: template.id,
    name: input.name,
    fields: input.fields,
    password: { generate: true },
    ...(input.comment ? { comment: input.comment } : {}),
  });
  const about = { subject: grant.who.sub, email: grant.who.email, clientId: grant.clientId, session: grant.session, secretId: created.id, secretPath: path };
  await recordAudit(env.DB, { event: "create", outcome: "ok", ...about, field: slug, detail: { template: template.name, password: input.password } });
  const out = { id: created.id, path, template: template.name, fields: [...Object.keys(input.fields), slug], password: "generated" as "generated" | "awaiting_deposit" };
  if (input.password !== "deposit") return { out, text: `Created ${path} (template ${template.name}) with a password generated by Secret Server; it was not shown to anyone.` };
  const deposit = await depositScript(env, config, grant, { id: created.id, path, requiresComment: false, checkOutEnabled: false }, {
    field: slug,
    shell: input.shell!,
    source: input.source!,
    comment: input.comment,
  });
  return {
    out: { ...out, password: "awaiting_deposit" as const, script: deposit.script, expires_at: deposit.expires_at, ticket_id: deposit.ticket_id },
    text: `Created ${path}. ${depositInstructions(input.shell!, deposit, `its ${slug}`)}`,
  };
}

export function registerCreateSecret(server: McpServer): void {
  server.registerTool(
    "create_secret",
    {
      title: "Create a secret",
      description:
        'Creates a secret in Secret Server without its password passing through you: password "generate" lets Secret Server generate it; "deposit" returns a script that sends it from the user\'s shell (stdin, env:NAME or file:PATH). Non-secret fields (username, url…) go in `fields`.',
      inputSchema: Input,
      outputSchema: Output,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (input, ctx) =>
      asToolResult(async () => {
        const { out, text } = await create(input, await currentGrant(ctx));
        return { content: [{ type: "text", text }], structuredContent: out };
      }),
  );
}
