// GET and POST /approvals/<routing>/<approval id>: the approval page and its decision. The person
// signs in through the same SSO (a browser session of claimcheck's own); possession of the link
// alone shows and decides nothing. Only POST changes state, with a CSRF token from the session.
import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { describeTicket } from "../audit/audit-log";
import { loadConfig, type Config } from "../config";
import { ClaimcheckError } from "../errors";
import type { Identity } from "../auth/identity";
import { logEvent } from "../log";
import { checkCsrf } from "../pages/csrf";
import { errorPage } from "../pages/layout";
import { requirePageSession } from "../pages/page-sign-in";
import type { ApprovalView } from "../tickets/ticket-row";
import { approvalPath, APPROVALS_ROUTE, parseApprovalRef, type ApprovalRef } from "./approval-link";
import { approvalPage, approvalRefusedPage, type ClientDescription } from "./approval-page";
import { mayDecide } from "./approval-rules";
import { namesPerson } from "../policy/access-policy";

type Bindings = Env & { OAUTH_PROVIDER: OAuthHelpers };
type ApprovalContext = Context<{ Bindings: Bindings }>;

function refOf(c: ApprovalContext): ApprovalRef {
  const ref = parseApprovalRef(c.req.param("routing"), c.req.param("approvalId"));
  if (!ref) throw new ClaimcheckError("ROUTE_NOT_FOUND", { detail: "malformed approval link" });
  return ref;
}

function storeOf(env: Env, ref: ApprovalRef) {
  try {
    return env.TICKETS.get(env.TICKETS.idFromString(ref.routing));
  } catch {
    return undefined; // not an id of this namespace: forged, or from another deployment
  }
}

/** Who may see the request: the requester, and for an approver rule the people it names. */
function maySee(view: ApprovalView, who: Identity): boolean {
  if (who.sub === view.record.subject) return true;
  const person = view.approval.person;
  return person?.kind === "approvers" && namesPerson(person.approvers, who);
}

const ALREADY_DECIDED = "This request was already decided, or is no longer open. Nothing was changed.";

/** Still waiting for a person's decision. */
function isOpen(view: ApprovalView): boolean {
  return view.state === "pending" && view.approval.person !== undefined && !view.approval.personDecision;
}

/** Whether `who` may decide this request now (open, and named by its approval); the approvals list uses it too. */
export function canDecide(view: ApprovalView, who: Identity): boolean {
  return isOpen(view) && mayDecide(view.approval.person!, { sub: view.record.subject }, who).ok;
}

/** The OAuth client as claimcheck knows it: a URL client id (CIMD) is published by its host. */
async function describeClient(c: ApprovalContext, clientId: string): Promise<ClientDescription> {
  const info = await c.env.OAUTH_PROVIDER.lookupClient(clientId).catch(() => null);
  const verifiedDomain = URL.canParse(clientId) && clientId.startsWith("https://") ? new URL(clientId).host : undefined;
  const redirectOrigins = [...new Set((info?.redirectUris ?? []).filter((u) => URL.canParse(u)).map((u) => new URL(u).origin))];
  return { id: clientId, name: info?.clientName, verifiedDomain, redirectOrigins };
}

async function render(c: ApprovalContext, config: Config, ref: ApprovalRef, notice?: string): Promise<Response> {
  const session = await requirePageSession(c, config, approvalPath(ref));
  if (session instanceof Response) return session;
  const view = await storeOf(c.env, ref)?.approvalView(ref.approvalId);
  if (!view || !maySee(view, session.identity)) return approvalRefusedPage(session);
  const client = await describeClient(c, view.record.clientId);
  return approvalPage(
    { view, client, viewer: session, action: approvalPath(ref), canDecide: canDecide(view, session.identity) },
    notice,
  );
}

export const approvalRoutes = new Hono<{ Bindings: Bindings }>();

approvalRoutes.get(`${APPROVALS_ROUTE}/:routing/:approvalId`, (c) => render(c, loadConfig(c.env), refOf(c)));

approvalRoutes.post(`${APPROVALS_ROUTE}/:routing/:approvalId`, async (c) => {
  const config = loadConfig(c.env);
  const ref = refOf(c);
  const session = await requirePageSession(c, config, approvalPath(ref));
  // A post without a session cannot be a decision: send the person to sign in and see the page.
  if (session instanceof Response) return session;
  const form = await c.req.parseBody().catch(() => {
    throw new ClaimcheckError("BAD_REQUEST", { detail: "approval form unreadable" });
  });
  checkCsrf(c, config, session, form);
  const decision = form.decision === "approve" ? "approved" : form.decision === "deny" ? "denied" : undefined;
  if (!decision) throw new ClaimcheckError("BAD_REQUEST", { detail: "approval decision missing" });

  const store = storeOf(c.env, ref);
  const view = await store?.approvalView(ref.approvalId);
  if (!store || !view || !maySee(view, session.identity) || !canDecide(view, session.identity)) {
    logEvent("warn", "approval refused", { event: "approval_refused", ticketId: view?.ticketId });
    if (!view || !maySee(view, session.identity)) return approvalRefusedPage(session);
    return render(c, config, ref, isOpen(view) ? "You cannot decide this request." : ALREADY_DECIDED);
  }
  const by = { sub: session.identity.sub, email: session.identity.email };
  const result = await store.decide(ref.approvalId, decision, by, {
    event: decision,
    outcome: decision === "approved" ? "ok" : "denied",
    ...describeTicket(view.record, view.ticketId),
    detail: { approver_sub: by.sub, approver_email: by.email },
  });
  // Two approvers racing: exactly one decision is stored; the other is told.
  const notice =
    result.outcome === "decided"
      ? decision === "approved"
        ? "Approved. The agent's script continues on its own."
        : "Denied. The agent's script stops without the secret."
      : ALREADY_DECIDED;
  return render(c, config, ref, notice);
});

approvalRoutes.onError((err) => {
  if (err instanceof ClaimcheckError) {
    logEvent("warn", "approval page error", { event: "approval_page_failed", code: err.code, detail: err.detail });
    return errorPage(err.message, err.status, "Approval");
  }
  logEvent("error", "approval page error", { event: "approval_page_failed", error: err.name });
  return errorPage("Something went wrong. Open the link again.", 500, "Approval");
});
