// Before a ticket is minted: does it wait for anyone, and if so, who and where. The policy's own
// approval (self, or named approvers) and Secret Server's access-request workflow can both apply;
// the ticket then waits for both. Secret Server's request is filed here, naming the human, the
// OAuth client and the ticket id, for the ticket's whole possible life.
import type { Config } from "../config";
import type { Action, Identity, SecretLocation } from "../policy/access-policy";
import type { SecretReader } from "../secret-server";
import { parseTicket } from "../tickets/ticket-format";
import { approvalUrl, newApprovalId } from "./approval-link";
import { describeApprovers, requiredApproval } from "./approval-rules";
import type { PersonApproval } from "./approval-state";

export type ApprovalPlan = {
  id: string;
  url: string;
  person?: PersonApproval | undefined;
  /** Secret Server requires approval for access: an access request must be filed. */
  secretServer: boolean;
  timeoutSeconds: number;
  /** Who may approve, in a few words, for the tool result. */
  approvers: string;
};

export function planApproval(
  config: Config,
  who: Identity,
  secret: SecretLocation & { requiresApproval: boolean },
  ticket: string,
  /** An id drawn before, when the client already showed the page's link (url-elicitation.ts). */
  approvalId: string = newApprovalId(),
  action: Action = "read",
): ApprovalPlan | undefined {
  const person = requiredApproval(config.accessPolicy, who, secret, action);
  if (person === undefined && !secret.requiresApproval) return undefined;
  const routing = parseTicket(ticket)?.routing;
  if (routing === undefined) throw new TypeError("ticket is malformed");
  const id = approvalId;
  const approvers = [person && describeApprovers(person), secret.requiresApproval ? "Secret Server's approvers" : undefined]
    .filter(Boolean)
    .join(", then ");
  return {
    id,
    url: approvalUrl(config.publicUrl, { routing, approvalId: id }),
    person,
    secretServer: secret.requiresApproval,
    timeoutSeconds: config.approvalTimeoutSeconds,
    approvers: person?.kind === "self" && !secret.requiresApproval ? "self" : approvers,
  };
}

/**
 * Files Secret Server's access request for the ticket. Access is asked from now until the latest
 * moment the ticket could be redeemed: the approval deadline plus the ticket's life after it.
 */
export async function fileAccessRequest(
  source: SecretReader,
  config: Config,
  request: { secretId: number; who: Identity; clientId: string; ticketId: string },
): Promise<number> {
  const now = Date.now();
  const until = now + (config.approvalTimeoutSeconds + config.ticketTtlSeconds) * 1000;
  const answer = await source.requestAccess({
    secretId: request.secretId,
    comment: `claimcheck: ${request.who.email ?? request.who.sub} via OAuth client ${request.clientId}, ticket ${request.ticketId}`,
    startDate: new Date(now),
    expirationDate: new Date(until),
  });
  return answer.id;
}
