// The approval page's address: `<PUBLIC_URL>/approvals/<routing>/<approval id>`. The routing part
// names the session's TicketStore (as in a ticket) so the page finds the request with no lookup;
// the approval id is random. Neither is a capability: possession of the link approves nothing,
// the page checks who is signed in.
import { base64url } from "jose";

/** 16 bytes: unguessable, so the link does not even reveal that a request exists. */
const APPROVAL_ID_BYTES = 16;

const ROUTING_PATTERN = /^[0-9a-f]{64}$/;
const APPROVAL_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export const APPROVALS_ROUTE = "/approvals";

export type ApprovalRef = { routing: string; approvalId: string };

export function newApprovalId(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(APPROVAL_ID_BYTES)));
}

export function approvalPath({ routing, approvalId }: ApprovalRef): string {
  return `${APPROVALS_ROUTE}/${routing}/${approvalId}`;
}

export function approvalUrl(publicUrl: string, ref: ApprovalRef): string {
  return `${publicUrl}${approvalPath(ref)}`;
}

/** The reference in a page's path parameters, or undefined when either part is malformed. */
export function parseApprovalRef(routing: string | undefined, approvalId: string | undefined): ApprovalRef | undefined {
  if (!routing || !approvalId || !ROUTING_PATTERN.test(routing) || !APPROVAL_ID_PATTERN.test(approvalId)) return undefined;
  return { routing, approvalId };
}
