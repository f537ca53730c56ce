// One use of a ticket, whatever it carries: a claim ticket releases values from Secret Server, a
// deposit ticket writes one into it. Guards first; the TicketStore is the only place state changes:
//   begin (lease) → policy check → perform (the Secret Server call) → complete (burn, audit
//   queued) → answer.
// Any failure after the lease gives the ticket back (single use means one *successful* use), so a
// Secret Server outage does not cost the user their ticket.
import { requiredApproval, satisfies } from "../approval/approval-rules";
import { awaitApproval } from "../approval/await-approval";
import { describeTicket, recordAudit, type AuditEvent } from "../audit/audit-log";
import { ClaimcheckError, type ErrorCode } from "../errors";
import { isAllowed, type AccessPolicy, type Action } from "../policy/access-policy";
import type { SecretReader } from "../secret-server";
import type { RequestContext } from "./mint-ticket";
import { hashTicket, parseTicket, ticketIdOf } from "./ticket-format";
import type { TicketKind, TicketRecord } from "./ticket-record";
import type { RefusalReason } from "./ticket-row";
import type { BeginRedemption, TicketStore } from "./ticket-store";

// Unknown, expired, revoked and used tickets look the same on the wire (no oracle); the audit keeps
// the real reason. A used ticket presented again is a replay, a revoked or expired one a late use:
// both mean it leaked. Denied and timed-out approvals are told to the holder of the whole ticket
// (the snippet reports them); nobody else can present one.
const REFUSALS: Record<Exclude<RefusalReason, "pending">, { event: AuditEvent["event"]; outcome: string; code: ErrorCode }> = {
  unknown: { event: "deny", outcome: "unknown", code: "TICKET_INVALID" },
  wrong_kind: { event: "deny", outcome: "wrong_kind", code: "TICKET_INVALID" },
  in_flight: { event: "deny", outcome: "in_flight", code: "TICKET_IN_FLIGHT" },
  used: { event: "replay", outcome: "used", code: "TICKET_INVALID" },
  revoked: { event: "late_use", outcome: "revoked", code: "TICKET_INVALID" },
  expired: { event: "late_use", outcome: "expired", code: "TICKET_INVALID" },
  denied: { event: "deny", outcome: "approval_denied", code: "APPROVAL_DENIED" },
  approval_expired: { event: "deny", outcome: "approval_expired", code: "APPROVAL_EXPIRED" },
};

/** Failures of a use that are claimcheck's refusal, not Secret Server's trouble. */
const REFUSED_BY_US = new Set(["FORBIDDEN", "DEPOSIT_REFUSED", "PAYLOAD_TOO_LARGE"]);

/** Seconds a waiting snippet sleeps between polls: at most one request every 2 s. */
export const APPROVAL_POLL_SECONDS = 2;

const pending = () => new ClaimcheckError("APPROVAL_PENDING", { retryAfter: APPROVAL_POLL_SECONDS, detail: "pending" });

export type TicketUse<T> = {
  kind: TicketKind;
  /** What the policy must still allow at the moment of use. */
  action: Action;
  /** The audit event of a successful use, queued with the burn. */
  event: "redeem" | "deposit";
  perform: (record: TicketRecord, ticketId: string) => Promise<T>;
};

export type Used<T> = { record: TicketRecord; ticketId: string; result: T };

type Deps = { policy: AccessPolicy; source: SecretReader };
type Store = DurableObjectStub<TicketStore>;

function stubFor(env: Env, routing: string): Store | undefined {
  try {
    return env.TICKETS.get(env.TICKETS.idFromString(routing));
  } catch {
    // A routing part that is not an id of this namespace: forged or from another deployment.
    return undefined;
  }
}

/** The ticket's store and hash, or TICKET_INVALID (audited as malformed) for anything not ours. */
async function locate(env: Env, presented: string, context: RequestContext): Promise<{ stub: Store; hash: string; ticketId: string }> {
  const parsed = parseTicket(presented);
  const stub = parsed && stubFor(env, parsed.routing);
  if (!parsed || !stub) {
    await recordAudit(env.DB, { event: "deny", outcome: "malformed", ...context });
    throw new ClaimcheckError("TICKET_INVALID", { detail: "malformed" });
  }
  const hash = await hashTicket(parsed.ticket);
  return { stub, hash, ticketId: ticketIdOf(hash) };
}

/**
 * Where the ticket stands: a lease (`begin`), or without one (`peek`, for a deposit's probe). A
 * waiting ticket asks Secret Server about its access request, if it has one, and looks again
 * when it decided; a poll consumes nothing and is not audited (a snippet polls every 2 s).
 */
async function standing(stub: Store, deps: Deps, hash: string, kind: TicketKind, lease: boolean): Promise<BeginRedemption> {
  const look = () => (lease ? stub.beginRedemption(hash, kind) : stub.peek(hash, kind));
  let begun = await look();
  if (!begun.ok && begun.reason === "pending" && (await awaitApproval(stub, deps.source, hash, begun))) begun = await look();
  return begun;
}

async function refuse(env: Env, begun: Exclude<BeginRedemption, { ok: true }>, ticketId: string, context: RequestContext): Promise<never> {
  if (begun.reason === "pending") throw pending();
  const refusal = REFUSALS[begun.reason];
  const about = begun.record ? describeTicket(begun.record, ticketId) : { ticketId };
  await recordAudit(env.DB, { event: refusal.event, outcome: refusal.outcome, ...about, ...context });
  throw new ClaimcheckError(refusal.code, { detail: begun.reason });
}

export async function useTicket<T>(env: Env, deps: Deps, presented: string, use: TicketUse<T>, context: RequestContext = {}): Promise<Used<T>> {
  const { stub, hash, ticketId } = await locate(env, presented, context);
  const begun = await standing(stub, deps, hash, use.kind, true);
  if (!begun.ok) return refuse(env, begun, ticketId, context);

  const { record } = begun;
  const about = { ...describeTicket(record, ticketId), ...context };
  const who = { sub: record.subject, email: record.email, emailVerified: record.emailVerified, groups: record.groups };
  let result: T;
  try {
    // The policy may have changed since the ticket was minted: check again, approval included (a
    // rule that now asks for approval is not met by a ticket minted without it).
    const secret = { id: record.secretId, path: record.secretPath };
    if (!isAllowed(deps.policy, who, secret, use.action) || !satisfies(begun.approval?.person, requiredApproval(deps.policy, who, secret, use.action))) {
      throw new ClaimcheckError("FORBIDDEN", { detail: "policy changed since mint" });
    }
    result = await use.perform(record, ticketId);
  } catch (err) {
    await stub.releaseRedemption(hash);
    const outcome = err instanceof ClaimcheckError ? err.code : "internal";
    await recordAudit(env.DB, { event: REFUSED_BY_US.has(outcome) ? "deny" : "upstream_error", outcome, ...about });
    throw err;
  }

  // The burn and its audit record are one transaction in the TicketStore, durable before the
  // answer leaves (a use that cannot be audited does not happen); the store delivers the record
  // to D1 after, off this path.
  if (!(await stub.completeRedemption(hash, { event: use.event, outcome: "ok", ...about }))) {
    await recordAudit(env.DB, { event: "deny", outcome: "expired", ...about });
    throw new ClaimcheckError("TICKET_INVALID", { detail: "expired during use" });
  }
  return { record, ticketId, result };
}

/** A deposit's probe: whether the ticket may be used now, without taking it. */
export async function probeTicket(env: Env, deps: Deps, presented: string, kind: TicketKind, context: RequestContext = {}): Promise<void> {
  const { stub, hash, ticketId } = await locate(env, presented, context);
  const begun = await standing(stub, deps, hash, kind, false);
  if (!begun.ok) await refuse(env, begun, ticketId, context);
}
