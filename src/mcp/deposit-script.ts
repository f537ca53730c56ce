// The deposit half of the write tools: mints a single-use deposit ticket for one field of one
// secret and renders the snippet that sends the value from the user's shell (stdin, an
// environment variable or a file) straight to /deposit. The value never passes through the model.
import { z } from "zod";
import { planApproval } from "../approval/plan-approval";
import type { Config } from "../config";
import { renderDepositSnippet, SHELLS, type Shell } from "../snippets";
import { mintTicket, newTicket } from "../tickets/mint-ticket";
import type { Grant } from "./caller";

/** `stdin`, `env:NAME` or `file:PATH`: where the snippet reads the value. */
export const DepositSource = z
  .string()
  .max(4096)
  .regex(/^(stdin|env:[A-Za-z_][A-Za-z0-9_]{0,127}|file:[^\0\r\n]+)$/, { error: 'source must be "stdin", "env:NAME" or "file:PATH"' })
  .describe('Where the script reads the value: "stdin" (pipe into the script), "env:NAME" or "file:PATH"');

export const DepositShell = z.enum(SHELLS).describe("The shell that will run the script");

type Source = { kind: "stdin" } | { kind: "env"; name: string } | { kind: "file"; path: string };

function sourceOf(text: string): Source {
  if (text === "stdin") return { kind: "stdin" };
  if (text.startsWith("env:")) return { kind: "env", name: text.slice("env:".length) };
  return { kind: "file", path: text.slice("file:".length) };
}

export type DepositTarget = { id: number; path: string; requiresComment: boolean; checkOutEnabled: boolean };

export type DepositScript = {
  script: string;
  expires_at: string;
  ticket_id: string;
  approval?: { status: "pending"; url: string; expires_at: string; approvers: string };
};

export async function depositScript(
  env: Env,
  config: Config,
  grant: Grant,
  target: DepositTarget,
  request: { field: string; shell: Shell; source: string; comment?: string | undefined },
): Promise<DepositScript> {
  const source = sourceOf(request.source);
  const ticket = newTicket(env, grant.session);
  // Only the policy's own approval applies to writes (Secret Server's access requests are about reading).
  const plan = planApproval(config, grant.who, { id: target.id, path: target.path, requiresApproval: false }, ticket, undefined, "write");
  // Rendered (and every input checked) before the ticket is stored: a refused request leaves none.
  const { script } = renderDepositSnippet({
    shell: request.shell,
    ticket,
    depositUrl: `${config.publicUrl}/deposit`,
    source,
    approval: plan && { url: plan.url, waitSeconds: plan.timeoutSeconds },
  });
  const minted = await mintTicket(env, ticket, {
    session: grant.session,
    secret: { id: target.id, path: target.path, requiresComment: target.requiresComment, checkOutEnabled: target.checkOutEnabled },
    fields: [request.field],
    who: grant.who,
    clientId: grant.clientId,
    comment: request.comment,
    ttlSeconds: config.ticketTtlSeconds,
    deposit: { trimTrailingNewline: source.kind !== "env" },
    approval: plan && { id: plan.id, person: plan.person, timeoutSeconds: plan.timeoutSeconds },
  });
  const expiresAt = new Date(minted.expiresAt).toISOString();
  return {
    script,
    expires_at: expiresAt,
    ticket_id: minted.ticketId,
    ...(plan ? { approval: { status: "pending" as const, url: plan.url, expires_at: expiresAt, approvers: plan.approvers } } : {}),
  };
}

/** What the model is told with a deposit script. */
export function depositInstructions(shell: string, out: DepositScript, what: string): string {
  const waits = out.approval ? [`Approval needed: show the user this link: ${out.approval.url} — the script waits for the decision.`, ""] : [];
  return [
    ...waits,
    `Run this in ${shell} to store ${what} (the value goes from the source straight to Secret Server; never print it):`,
    "",
    out.script,
    "",
    `It prints "claimcheck: stored …" once done. The ticket works once and expires at ${out.expires_at}.`,
  ].join("\n");
}
