// Redemption: one successful use of a live claim ticket releases its field values, fetched from
// Secret Server at that moment (the steps and their guarantees are in use-ticket.ts).
import { ClaimcheckError } from "../errors";
import type { AccessPolicy } from "../policy/access-policy";
import type { SecretReader } from "../secret-server";
import type { RequestContext } from "./mint-ticket";
import type { TicketRecord } from "./ticket-record";
import { useTicket } from "./use-ticket";

export type Redeemed = { record: TicketRecord; ticketId: string; values: Record<string, string> };

async function fetchValues(source: SecretReader, record: TicketRecord, ticketId: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const slug of record.fields) {
    // Secret Server's own audit then names the human and the ticket id (never the ticket).
    const value = await source.readField({ id: record.secretId }, slug, {
      requestedBy: record.email ?? record.subject,
      clientId: record.clientId,
      ticketId,
      comment: record.comment,
      known: { requiresComment: record.requiresComment, checkOutEnabled: record.checkOutEnabled },
    });
    // No environment variable can hold a NUL, and shells drop it silently rather than fail:
    // refuse here so the snippet fails closed instead of setting a different value.
    if (value.includes("\0")) throw new ClaimcheckError("VALUE_UNSUPPORTED", { detail: `field ${slug} contains NUL` });
    values[slug] = value;
  }
  return values;
}

export async function redeemTicket(
  env: Env,
  deps: { policy: AccessPolicy; source: SecretReader },
  presented: string,
  context: RequestContext = {},
): Promise<Redeemed> {
  const { record, ticketId, result } = await useTicket(env, deps, presented, {
    kind: "claim",
    action: "read",
    event: "redeem",
    perform: (rec, id) => fetchValues(deps.source, rec, id),
  }, context);
  return { record, ticketId, values: result };
}
