// Redemption: one successful use of a live ticket releases its field values, fetched from
// Secret Server at that moment. Guards first; the TicketStore is the only place state changes:
//   begin (lease) → policy check → fetch → complete (burn, audit queued) → release the values.
// Any failure after the lease gives the ticket back (single use means one *successful*
// redemption), so a Secret Server outage does not cost the user their ticket.
import { describeTicket, recordAudit, type AuditEvent } from "../audit/audit-log";
import { ClaimcheckError } from "../errors";
import { isAllowed, type AccessPolicy } from "../policy/access-policy";
import type { SecretReader } from "../secret-server";
import type { RequestContext } from "./mint-ticket";
import { hashTicket, parseTicket, ticketIdOf } from "./ticket-format";
import type { TicketRecord } from "./ticket-record";
import type { RefusalReason } from "./ticket-store";


export type Redeemed = { record: TicketRecord; ticketId: string; values: Record<string, string> };

// Unknown, expired and used tickets look the same on the wire (no oracle); the audit keeps the
// real reason. A second use of a redeemed ticket means it leaked, so it is recorded as a replay.
const REFUSAL_EVENT: Record<RefusalReason, AuditEvent["event"]> = {
  unknown: "deny",
  expired: "deny",
  used: "replay",
  in_flight: "deny",
};

function stubFor(env: Env, routing: string) {
  try {
    return env.TICKETS.get(env.TICKETS.idFromString(routing));
  } catch {
    // A routing part that is not an id of this namespace: forged or from another deployment.
    return undefined;
  }
}

async function fetchValues(source: SecretReader, record: TicketRecord, ticketId: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const slug of record.fields) {
    // Secret Server's own audit then names the human and the ticket id (never the ticket).
    const value = await source.readField({ id: record.secretId }, slug, {
      requestedBy: record.email ?? record.subject,
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
  const parsed = parseTicket(presented);
  const stub = parsed && stubFor(env, parsed.routing);
  if (!parsed || !stub) {
    await recordAudit(env.DB, { event: "deny", outcome: "malformed", ...context });
    throw new ClaimcheckError("TICKET_INVALID", { detail: "malformed" });
  }
  const hash = await hashTicket(parsed.ticket);
  const ticketId = ticketIdOf(hash);
  const begun = await stub.beginRedemption(hash);
  if (!begun.ok) {
    const about = begun.record ? describeTicket(begun.record, ticketId) : { ticketId };
    await recordAudit(env.DB, { event: REFUSAL_EVENT[begun.reason], outcome: begun.reason, ...about, ...context });
    throw new ClaimcheckError(begun.reason === "in_flight" ? "TICKET_IN_FLIGHT" : "TICKET_INVALID", { detail: begun.reason });
  }

  const { record } = begun;
  const about = { ...describeTicket(record, ticketId), ...context };
  const who = { sub: record.subject, email: record.email, groups: record.groups };
  let values: Record<string, string>;
  try {
    // The policy may have changed since the ticket was minted: check again.
    if (!isAllowed(deps.policy, who, { id: record.secretId, path: record.secretPath })) {
      throw new ClaimcheckError("FORBIDDEN", { detail: "policy changed since mint" });
    }
    values = await fetchValues(deps.source, record, ticketId);
  } catch (err) {
    await stub.releaseRedemption(hash);
    const outcome = err instanceof ClaimcheckError ? err.code : "internal";
    await recordAudit(env.DB, { event: outcome === "FORBIDDEN" ? "deny" : "upstream_error", outcome, ...about });
    throw err;
  }

  // The burn and its audit record are one transaction in the TicketStore, durable before the
  // values leave (a redemption that cannot be audited does not happen); the store delivers the
  // record to D1 after, off this path.
  if (!(await stub.completeRedemption(hash, { event: "redeem", outcome: "ok", ...about }))) {
    await recordAudit(env.DB, { event: "deny", outcome: "expired", ...about });
    throw new ClaimcheckError("TICKET_INVALID", { detail: "expired during redemption" });
  }
  return { record, ticketId, values };
}
