// get_secret_environment_variable: the tool agents use. It never returns a secret. It checks the
// caller may read the secret, mints a single-use, short-lived claim ticket, and returns shell
// code that redeems the ticket straight into an environment variable, plus the code that
// removes it again.
import type { McpServer } from "@modelcontextprotocol/server";
import { env } from "cloudflare:workers";
import { z } from "zod";
import { loadConfig } from "../../config";
import { ClaimcheckError } from "../../errors";
import { REPORT_ROUTE } from "../../http/redeem-report";
import { CONCEAL_MASK, renderSnippet, SHELLS } from "../../snippets";
import { fileAccessRequest, planApproval, type ApprovalPlan } from "../../approval/plan-approval";
import { askToOpen, declaresUrlElicitation, resumedApprovalId } from "../../approval/url-elicitation";
import { secretServerClientFor } from "../../secret-server";
import { mintTicket, newTicket } from "../../tickets/mint-ticket";
import { hashTicket, ticketIdOf } from "../../tickets/ticket-format";
import { currentGrant } from "../caller";
import { chooseField } from "../choose-field";
import { findAllowedSecret, parseSecretRef } from "../secret-access";
import { CommentInput, FieldInput, SecretPathInput } from "../tool-inputs";
import { asToolResult } from "../tool-result";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

const Input = z.object({
  secret_path: SecretPathInput,
  shell: z.enum(SHELLS).describe("The shell that will run the script"),
  field: FieldInput,
  variable_name: z
    .string()
    .regex(VARIABLE_NAME)
    .optional()
    .describe("Name of the environment variable to set; default derived from secret and field, e.g. `PROD_PASSWORD`"),
  comment: CommentInput.describe("Why you need the secret; required for secrets that require a comment (recorded in Secret Server's audit)"),
  command: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "Optional: a command to run with the secret in its environment only, instead of setting it in the shell. Prefer this when you know the command: its output is concealed",
    ),
  mask: z
    .boolean()
    .optional()
    .describe(
      "With `command`: conceal the secret (and its base64, URL and JSON forms) in the command's output, replaced by `<concealed by claimcheck>`. Default true; false only when the user explicitly asks to see the output untouched",
    ),
});

const Output = z.object({
  script: z.string().describe("Shell code that sets the variable(s) by redeeming a single-use ticket"),
  cleanup: z.string().describe("Shell code that unsets the variable(s)"),
  variables: z.array(z.string()).describe("Names of the variables the script sets"),
  masked: z.boolean().describe("Whether the command's output is concealed: true only for a `command` that conceals (not in cmd, not with mask false)"),
  expires_at: z.string().describe("When the ticket in the script expires (ISO 8601)"),
  ticket_id: z.string().describe("Short, non-secret id of the ticket, as it appears in the audit trail"),
  secret: z.object({ id: z.number(), path: z.string(), field: z.string() }),
  approval: z
    .object({
      status: z.literal("pending"),
      url: z.string().describe("Where a person approves; show it to the user"),
      expires_at: z.string().describe("When the request expires unless approved (ISO 8601)"),
      approvers: z.string().describe('"self", or who else may approve'),
    })
    .optional()
    .describe("Present when a person must approve first: the script waits for the decision"),
});

const DESCRIPTION = [
  "Gets a secret from Delinea Secret Server into an environment variable WITHOUT the secret ever passing through you.",
  "Returns a short shell script holding a single-use claim ticket that expires in minutes.",
  "Run the script exactly as given, in the user's shell: it fetches the value straight into the variable.",
  "Never print, echo, log or write the variable's value to a file, and never ask the user for it.",
  "Use the variable by name in later commands (e.g. `psql \"$PROD_PASSWORD\"` style references).",
  "When you know the command you will run, pass it as `command`: the secret is then in that command's environment only, and anything it prints is concealed; the output of later commands cannot be concealed once the variable is set in the shell.",
  "When you are done, run the cleanup code to unset it.",
  "If the script fails, call this tool again for a new ticket; tickets work once.",
].join(" ");

/** `prod` + `password` → `PROD_PASSWORD`: letters, digits and underscores, never a leading digit. */
export function defaultVariableName(secretName: string, slug: string): string {
  const name = `${secretName}_${slug}`.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  const safe = /^[0-9]/.test(name) ? `_${name}` : name;
  return (safe || "SECRET").slice(0, 128);
}

function instructions(shell: string, out: z.infer<typeof Output>, command: string | undefined): string {
  const names = out.variables.join(", ");
  const waits = out.approval
    ? [
        `Approval needed: show the user this link and ask them to ${out.approval.approvers === "self" ? "confirm" : "have an approver decide"}: ${out.approval.url} — the script waits for the decision (until ${out.approval.expires_at}).`,
        "",
      ]
    : [];
  return [
    ...waits,
    `Run this in ${shell} to set ${names} (the value goes from Secret Server straight into the variable; it is never shown):`,
    "",
    out.script,
    "",
    `When you are done, run: ${out.cleanup}`,
    `The ticket works once and expires at ${out.expires_at}. Never print or log the value of ${names}.`,
    ...concealment(shell, out.masked, command),
  ].join("\n");
}

/** One line on what the command's output will show, said once. */
function concealment(shell: string, masked: boolean, command: string | undefined): string[] {
  if (masked) return [`The command's output is concealed: the value and its encodings print as ${CONCEAL_MASK}.`];
  if (command === undefined) return ["The output of commands you run later is not concealed: when you know the command, ask again with `command`."];
  if (shell === "cmd") return ["cmd cannot conceal the command's output: on Windows, use PowerShell (shell `powershell`) instead."];
  return ["The command's output is not concealed (mask: false)."];
}

function pendingApproval(plan: ApprovalPlan, expiresAt: number) {
  return { status: "pending" as const, url: plan.url, expires_at: new Date(expiresAt).toISOString(), approvers: plan.approvers };
}

export function registerGetSecretEnvironmentVariable(server: McpServer): void {
  server.registerTool(
    "get_secret_environment_variable",
    {
      title: "Get a secret into an environment variable",
      description: DESCRIPTION,
      inputSchema: Input,
      outputSchema: Output,
      // Not read-only: it mints a ticket (a capability) and writes an audit row.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (input, ctx) =>
      asToolResult(async () => {
        const config = loadConfig(env);
        const grant = await currentGrant(ctx);
        const secret = await findAllowedSecret(env, config, grant, parseSecretRef(input.secret_path));
        const field = chooseField(secret.fields, input.field);
        if (secret.requiresComment && !input.comment) throw new ClaimcheckError("COMMENT_REQUIRED");

        // The snippet is rendered (and every input checked) before the ticket is stored, so a
        // refused request leaves no live ticket behind.
        const ticket = newTicket(env, grant.session);
        const resumed = resumedApprovalId(ctx);
        const plan = planApproval(config, grant.who, secret, ticket, resumed);
        // A client that can open URLs is asked to show the page first; it calls again after.
        if (plan && resumed === undefined && declaresUrlElicitation(ctx)) return askToOpen(plan);
        const snippet = renderSnippet({
          shell: input.shell,
          ticket,
          redeemUrl: `${config.publicUrl}/redeem`,
          variableName: input.variable_name ?? defaultVariableName(secret.name, field),
          command: input.command,
          mask: input.mask ?? true,
          reportUrl: `${config.publicUrl}${REPORT_ROUTE}`,
          approval: plan && { url: plan.url, waitSeconds: plan.timeoutSeconds },
        });
        const secretServerRequestId = plan?.secretServer
          ? await fileAccessRequest(secretServerClientFor(config.secretServer), config, {
              secretId: secret.id,
              who: grant.who,
              clientId: grant.clientId,
              ticketId: ticketIdOf(await hashTicket(ticket)),
            })
          : undefined;
        const minted = await mintTicket(env, ticket, {
          session: grant.session,
          secret: { id: secret.id, path: secret.path, requiresComment: secret.requiresComment, checkOutEnabled: secret.checkOutEnabled },
          fields: [field],
          who: grant.who,
          clientId: grant.clientId,
          comment: input.comment,
          ttlSeconds: config.ticketTtlSeconds,
          approval: plan && { id: plan.id, person: plan.person, secretServerRequestId, timeoutSeconds: plan.timeoutSeconds },
          // A command form that runs unconcealed is on the record: the user's explicit choice, or cmd.
          auditDetail: input.command !== undefined && !snippet.masked ? { masked: false, why: input.mask === false ? "mask_false" : "shell_cannot" } : undefined,
        });
        const out = {
          ...snippet,
          expires_at: new Date(minted.expiresAt).toISOString(),
          ticket_id: minted.ticketId,
          secret: { id: secret.id, path: secret.path, field },
          ...(plan ? { approval: pendingApproval(plan, minted.expiresAt) } : {}),
        };
        return { content: [{ type: "text", text: instructions(input.shell, out, input.command) }], structuredContent: out };
      }),
  );
}
