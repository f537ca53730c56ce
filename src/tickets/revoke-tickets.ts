// Revocation: ends every live ticket of one session (waiting ones too, which withdraws their
// approval requests) and audits each as revoked. Ended tickets stay as tombstones in the store.
import type { ApprovalState } from "../approval/approval-state";
import { describeTicket, recordAudit } from "../audit/audit-log";
import type { RequestContext } from "./mint-ticket";
import { ticketStoreFor } from "./mint-ticket";

function secretServerRequest(approval: ApprovalState): Record<string, number> {
  return approval.secretServerRequestId === undefined ? {} : { secret_server_request: approval.secretServerRequestId };
}

/** Returns how many live tickets were revoked. */
export async function revokeSessionTickets(env: Env, session: string, context: RequestContext = {}): Promise<number> {
  const revoked = await ticketStoreFor(env, session).revokeAll();
  await recordAudit(
    env.DB,
    revoked.map(({ ticketId, record, approval }) => ({
      event: "revoke" as const,
      outcome: "ok",
      ...describeTicket(record, ticketId),
      ...context,
      ...(approval ? { detail: { approval: "withdrawn", ...secretServerRequest(approval) } } : {}),
    })),
  );
  return revoked.length;
}
