// Revocation: wipes every ticket of one session and audits each live one as revoked.
import { describeTicket, recordAudit } from "../audit/audit-log";
import type { RequestContext } from "./mint-ticket";
import { ticketStoreFor } from "./mint-ticket";

/** Returns how many live tickets were revoked. */
export async function revokeSessionTickets(env: Env, session: string, context: RequestContext = {}): Promise<number> {
  const revoked = await ticketStoreFor(env, session).revokeAll();
  await recordAudit(
    env.DB,
    revoked.map(({ ticketId, record }) => ({ event: "revoke" as const, outcome: "ok", ...describeTicket(record, ticketId), ...context })),
  );
  return revoked.length;
}
