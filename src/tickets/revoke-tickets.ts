// Revocation: ends every live ticket of one session (waiting ones too, which withdraws their
// approval requests) and audits each as revoked. Ended tickets stay as tombstones in the store.
import type { ApprovalState } from "../approval/approval-state";
import { describeTicket, recordAudit } from "../audit/audit-log";
import { logEvent } from "../log";
import type { SecretReader } from "../secret-server";
import type { RequestContext } from "./mint-ticket";
import { ticketStoreFor } from "./mint-ticket";

function secretServerRequest(approval: ApprovalState): Record<string, number> {
  return approval.secretServerRequestId === undefined ? {} : { secret_server_request: approval.secretServerRequestId };
}

/**
 * Withdraws Secret Server's access requests of revoked tickets. Best effort: the tickets are
 * already revoked (an approval that comes later unlocks nothing), this only spares the approvers
 * a request nobody waits for.
 */
async function withdrawRequests(source: Pick<SecretReader, "withdrawAccessRequest">, ids: number[]): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      source.withdrawAccessRequest(id).catch((err: unknown) => {
        logEvent("warn", "access request not withdrawn", { event: "revoke", detail: `secret server request ${id}`, error: err instanceof Error ? err.name : "unknown" });
      }),
    ),
  );
}

/** Returns how many live tickets were revoked. */
export async function revokeSessionTickets(
  env: Env,
  session: string,
  context: RequestContext = {},
  source?: Pick<SecretReader, "withdrawAccessRequest">,
): Promise<number> {
  const revoked = await ticketStoreFor(env, session).revokeAll();
  const requests = revoked.flatMap(({ approval }) => (approval?.secretServerRequestId === undefined ? [] : [approval.secretServerRequestId]));
  if (source && requests.length) await withdrawRequests(source, requests);
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
