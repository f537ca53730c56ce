// Minting: the only way a ticket comes to exist. `newTicket` draws the random ticket for a session
// (nothing is stored yet, so a caller can build everything that embeds it and fail cleanly);
// `mintTicket` then stores its record in the session's TicketStore, with its mint audit event. The
// caller (an MCP tool) has already checked the access policy.
import type { ApprovalState, PersonApproval } from "../approval/approval-state";
import { describeTicket } from "../audit/audit-log";
import type { Identity, SecretLocation } from "../policy/access-policy";
import { createTicket, hashTicket, parseTicket, ticketIdOf } from "./ticket-format";
import type { TicketRecord } from "./ticket-record";

export type MintRequest = {
  /** Names the session's TicketStore (e.g. the OAuth grant of one user and one client). */
  session: string;
  secret: SecretLocation & { requiresComment: boolean; checkOutEnabled: boolean };
  fields: string[];
  who: Identity;
  clientId: string;
  comment?: string | undefined;
  ttlSeconds: number;
  /** A deposit ticket (set a field from the shell) instead of a claim ticket. */
  deposit?: { trimTrailingNewline: boolean } | undefined;
  /** Non-secret facts the `mint` audit row keeps in its detail (e.g. an unconcealed command form). */
  auditDetail?: Record<string, string | number | boolean> | undefined;
  /** When a person or Secret Server must approve first: the ticket waits until then. */
  approval?: {
    id: string;
    person?: PersonApproval | undefined;
    secretServerRequestId?: number | undefined;
    timeoutSeconds: number;
  };
};

export type MintedTicket = { ticket: string; ticketId: string; expiresAt: number };

export type RequestContext = { clientIp?: string | undefined; userAgent?: string | undefined };

export function ticketStoreFor(env: Env, session: string): DurableObjectStub<import("./ticket-store").TicketStore> {
  return env.TICKETS.get(env.TICKETS.idFromName(session));
}

/** A fresh ticket routed to the session's TicketStore. Not valid until minted. */
export function newTicket(env: Env, session: string): string {
  return createTicket(env.TICKETS.idFromName(session).toString());
}

export async function mintTicket(
  env: Env,
  ticket: string,
  req: MintRequest,
  context: RequestContext = {},
): Promise<MintedTicket> {
  const routing = parseTicket(ticket)?.routing;
  if (routing !== env.TICKETS.idFromName(req.session).toString()) throw new TypeError("ticket is not routed to this session");
  const hash = await hashTicket(ticket);
  const now = Date.now();
  const waits = req.approval;
  const record: TicketRecord = {
    kind: req.deposit ? "deposit" : "claim",
    trimTrailingNewline: req.deposit?.trimTrailingNewline ?? false,
    secretId: req.secret.id,
    secretPath: req.secret.path,
    requiresComment: req.secret.requiresComment,
    checkOutEnabled: req.secret.checkOutEnabled,
    fields: req.fields,
    subject: req.who.sub,
    email: req.who.email,
    emailVerified: req.who.emailVerified ?? false,
    groups: [...req.who.groups],
    clientId: req.clientId,
    session: req.session,
    comment: req.comment,
    createdAt: now,
    // A waiting ticket lives until the approval deadline; approved, TICKET_TTL from that moment.
    expiresAt: now + (waits ? waits.timeoutSeconds : req.ttlSeconds) * 1000,
  };
  const ticketId = ticketIdOf(hash);
  // Queued with the ticket in one TicketStore transaction; the store delivers it to D1.
  const audit = {
    event: "mint",
    outcome: "ok",
    at: now,
    ...describeTicket(record, ticketId),
    ...context,
    ...(req.auditDetail ? { detail: req.auditDetail } : {}),
  } as const;
  const approval: ApprovalState | undefined = waits && {
    id: waits.id,
    ...(waits.person ? { person: waits.person } : {}),
    ...(waits.secretServerRequestId !== undefined ? { secretServerRequestId: waits.secretServerRequestId } : {}),
    ticketTtlMs: req.ttlSeconds * 1000,
    requestedAt: now,
  };
  const requested = approval && {
    ...audit,
    event: "approval_requested" as const,
    outcome: "pending",
    detail: {
      // Not a capability (the page checks who decides): lets a list of open requests link to them.
      approval_id: approval.id,
      approvers: approval.person?.kind ?? "secret-server",
      ...(approval.secretServerRequestId !== undefined ? { secret_server_request: approval.secretServerRequestId } : {}),
    },
  };
  await ticketStoreFor(env, req.session).mint(hash, record, audit, approval, requested);
  return { ticket, ticketId, expiresAt: record.expiresAt };
}
