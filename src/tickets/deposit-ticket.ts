// Deposit: one successful use of a live deposit ticket writes the value its snippet sent into the
// secret's field at Secret Server (the steps and their guarantees are in use-ticket.ts). The value
// is checked under the lease, by the rules the ticket was minted with (its source's trailing
// newline); a refused value gives the ticket back for a retry, as a failed write does.
import type { AccessPolicy } from "../policy/access-policy";
import type { SecretServerClient } from "../secret-server";
import { depositValue, type DepositBody } from "./deposit-body";
import type { RequestContext } from "./mint-ticket";
import type { TicketRecord } from "./ticket-record";
import { probeTicket, useTicket } from "./use-ticket";

type Deps = { policy: AccessPolicy; source: SecretServerClient; maxBytes: number };

export type Deposited = { record: TicketRecord; ticketId: string };

export async function depositTicket(env: Env, deps: Deps, { ticket, value }: DepositBody, context: RequestContext = {}): Promise<Deposited> {
  const { record, ticketId } = await useTicket(env, deps, ticket, {
    kind: "deposit",
    action: "write",
    event: "deposit",
    perform: async (rec, id) => {
      const text = depositValue(value, { trimTrailingNewline: rec.trimTrailingNewline, maxBytes: deps.maxBytes });
      await deps.source.setField(rec.secretId, rec.fields[0]!, text, {
        requestedBy: rec.email ?? rec.subject,
        clientId: rec.clientId,
        ticketId: id,
        comment: rec.comment,
        known: { requiresComment: rec.requiresComment, checkOutEnabled: rec.checkOutEnabled },
      });
    },
  }, context);
  return { record, ticketId };
}

/** The probe a waiting deposit snippet sends before its value: ready, waiting (503) or refused. */
export function probeDeposit(env: Env, deps: Deps, ticket: string, context: RequestContext = {}): Promise<void> {
  return probeTicket(env, deps, ticket, "deposit", context);
}
