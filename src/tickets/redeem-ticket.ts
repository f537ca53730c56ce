// Redemption: one successful use of a live ticket releases its field values, fetched from
// Secret Server at that moment. Guards first; the TicketStore is the only place state changes:
//   begin (lease) → policy check → fetch → complete (burn, audit queued) → release the values.
// Any failure after the lease gives the ticket back (single use means one *successful*
// redemption), so a Secret Server outage does not cost the user their ticket.
import { describeTicket, recordAudit, type AuditEvent } from "../audit/audit-log";
import { requiredApproval, satisfies } from "../approval/approval-rules";
import { awaitApproval } from "../approval/await-approval";
import { ClaimcheckError, type ErrorCode } from "../errors";
import { isAllowed, type AccessPolicy } from "../policy/access-policy";
import type { SecretReader } from "../secret-server";
import type { RequestContext } from "./mint-ticket";
import { hashTicket, parseTicket, ticketIdOf } from "./ticket-format";
import type { TicketRecord } from "./ticket-record";
import type { RefusalReason } from "./ticket-store";

export type Redeemed = { record: TicketRecord; ticketId: string; values: Record<string, string> };

// Unknown, expired, revoked and used tickets look the same on the wire (no oracle); the audit keeps
// the real reason. A redeemed ticket used again is a replay, a revoked or expired one a late use:
// both mean it leaked. Denied and timed-out approvals are told to the holder of the whole ticket
// (the snippet reports them); nobody else can present one.
const REFUSALS: Record<Exclude<RefusalReason, "pending">, { event: AuditEvent["event"]; outcome: string; code: ErrorCode }> = {
  unknown: { event: "deny", outcome: "unknown", code: "TICKET_INVALID" },
  in_flight: { event: "deny", outcome: "in_flight", code: "TICKET_IN_FLIGHT" },
  used: { event: "replay", outcome: "used", code: "TICKET_INVALID" },
  revoked: { event: "late_use", outcome: "revoked", code: "TICKET_INVALID" },
  expired: { event: "late_use", outcome: "expired", code: "TICKET_INVALID" },
  denied: { event: "deny", outcome: "approval_denied", code: "APPROVAL_DENIED" },
  approval_expired: { event: "deny", outcome: "approval_expired", code: "APPROVAL_EXPIRED" },
};

/** Seconds a waiting snippet sleeps between polls: at most one request every 2 s. */
export const APPROVAL_POLL_SECONDS = 2;

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
  let begun = await stub.beginRedemption(hash);
  // A waiting ticket: ask Secret Server about its access request, if it has one, and look again
  // when it decided. A poll consumes nothing and is not audited (a snippet polls every 2 s).
  if (!begun.ok && begun.reason === "pending" && (await awaitApproval(stub, deps.source, hash, begun))) {
    begun = await stub.beginRedemption(hash);
  }
  if (!begun.ok) {
    if (begun.reason === "pending") throw new ClaimcheckError("APPROVAL_PENDING", { retryAfter: APPROVAL_POLL_SECONDS, detail: "pending" });
    const refusal = REFUSALS[begun.reason];
    const about = begun.record ? describeTicket(begun.record, ticketId) : { ticketId };
    await recordAudit(env.DB, { event: refusal.event, outcome: refusal.outcome, ...about, ...context });
    throw new ClaimcheckError(refusal.code, { detail: begun.reason });
  }

  const { record } = begun;
  const about = { ...describeTicket(record, ticketId), ...context };
  const who = { sub: record.subject, email: record.email, groups: record.groups };
  let values: Record<string, string>;
  try {
    // The policy may have changed since the ticket was minted: check again, approval included (a
    // rule that now asks for approval is not met by a ticket minted without it).
    const secret = { id: record.secretId, path: record.secretPath };
    if (!isAllowed(deps.policy, who, secret) || !satisfies(begun.approval?.person, requiredApproval(deps.policy, who, secret))) {
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
