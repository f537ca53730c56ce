// Audit rows of mints and redemptions reach D1 through the TicketStore's outbox, after the call
// that caused them. Tests that read those rows first wait for the outbox to drain.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ticketStoreFor } from "../../../src/tickets/mint-ticket";
import { parseTicket } from "../../../src/tickets/ticket-format";

/** Long enough for a busy 2-core machine; an outbox still full after it fails the test. */
const DELIVERY_WAIT_MS = 5_000;

type Store = ReturnType<typeof ticketStoreFor>;

/** The TicketStore a ticket is routed to. */
export function storeOf(ticket: string): Store {
  return env.TICKETS.get(env.TICKETS.idFromString(parseTicket(ticket)!.routing));
}

export function queuedAudit(store: Store): Promise<number> {
  return runInDurableObject(store, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_outbox").one().n);
}

/**
 * Runs the store's alarm until its outbox is empty, i.e. every queued row is in D1 (a row leaves
 * the outbox only once D1 accepted it). Polls, because the real alarm may already be delivering.
 */
export async function deliverAudit(store: Store): Promise<void> {
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  while ((await queuedAudit(store)) > 0) {
    if (Date.now() > deadline) throw new Error("audit outbox not delivered in time");
    await runDurableObjectAlarm(store);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function deliverSessionAudit(session: string): Promise<void> {
  return deliverAudit(ticketStoreFor(env, session));
}
