// URL elicitation, where the client declares it (MCP 2026-07-28: `elicitation: { url: {} }` in the
// request's client capabilities): besides the link in the tool result, the client itself is
// asked to open the approval page. On this protocol revision the server cannot push a request
// mid-call; the tool answers `input_required` and the client calls it again once the user saw
// the link. So the first round mints nothing: it only draws the approval id, which travels in
// `requestState` and names the request the second round mints. Clients without the capability
// (every 2025 client through this stateless handler) get the link in the result, as always.
import { CLIENT_CAPABILITIES_META_KEY, inputRequired, type InputRequiredResult, type ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";

/** An approval id, as approval-link.ts draws them. */
const ResumedApprovalId = z.string().regex(/^[A-Za-z0-9_-]{22}$/);

export const APPROVAL_INPUT_KEY = "claimcheck_approval";

/** The part of the client's declared capabilities this reads; the rest passes unread. */
const DeclaresUrl = z.object({ elicitation: z.object({ url: z.object({}).loose() }).loose() }).loose();

export function declaresUrlElicitation(ctx: ServerContext): boolean {
  const envelope: Record<string, unknown> = ctx.mcpReq.envelope ?? {};
  return DeclaresUrl.safeParse(envelope[CLIENT_CAPABILITIES_META_KEY]).success;
}

/**
 * The approval id a retried call carries back. requestState comes back through the client and is
 * attacker-controlled input: it is only ever used as the id of a request this call then mints in
 * the caller's own ticket store, so a forged one names nothing of anyone else's (the id is unique
 * per store); a malformed one is ignored and a fresh id drawn.
 */
export function resumedApprovalId(ctx: ServerContext): string | undefined {
  const parsed = ResumedApprovalId.safeParse(ctx.mcpReq.requestState<unknown>());
  return parsed.success ? parsed.data : undefined;
}

/** The first round: ask the client to open the page, and come back with the approval id. */
export function askToOpen(approval: { id: string; url: string; approvers: string }): InputRequiredResult {
  const who = approval.approvers === "self" ? "Confirm" : "Ask an approver to decide";
  return inputRequired({
    inputRequests: {
      [APPROVAL_INPUT_KEY]: inputRequired.elicitUrl({
        url: approval.url,
        message: `${who} that your agent may get this secret now. The agent's script waits for the decision.`,
      }),
    },
    requestState: approval.id,
  });
}
