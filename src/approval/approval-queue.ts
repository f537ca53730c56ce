// The requests a person may decide now, for GET /approvals. Open requests are found through their
// `approval_requested` audit rows (which carry the approval id and the session), then each one's
// TicketStore says whether it is still open and whether this person may decide it: the same
// canDecide as the approval page. The rows reach D1 from the session's outbox a moment after the
// request is made, so a brand-new request shows up on the next reload.
import type { Identity } from "../auth/identity";
import type { ApprovalView } from "../tickets/ticket-row";
import { approvalPath } from "./approval-link";
import { canDecide } from "./approval-routes";

/** Requests looked at per page view: far more than anyone decides at once, bounded. */
const MAX_CANDIDATES = 200;
/** Store lookups in flight at once. */
const PARALLEL_LOOKUPS = 10;
/** Slack on top of the approval timeout: a request's row is written a moment after it was made. */
const ROW_DELAY_MARGIN_MS = 60_000;

const APPROVAL_ID = /^[A-Za-z0-9_-]{22,64}$/;

export type OpenRequest = { view: ApprovalView; path: string };

type Candidate = { session: string; detail: string | null };

function approvalIdOf(detail: string | null): string | undefined {
  try {
    const id = (JSON.parse(detail ?? "null") as { approval_id?: unknown } | null)?.approval_id;
    return typeof id === "string" && APPROVAL_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

async function lookUp(env: Env, candidate: Candidate, who: Identity): Promise<OpenRequest | undefined> {
  const approvalId = approvalIdOf(candidate.detail);
  if (!approvalId) return undefined;
  const id = env.TICKETS.idFromName(candidate.session);
  const view = await env.TICKETS.get(id).approvalView(approvalId);
  if (!view || !canDecide(view, who)) return undefined;
  return { view, path: approvalPath({ routing: id.toString(), approvalId }) };
}

/** Open requests `who` may decide, newest first. */
export async function requestsToDecide(env: Env, who: Identity, approvalTimeoutSeconds: number, now = Date.now()): Promise<OpenRequest[]> {
  const since = new Date(now - approvalTimeoutSeconds * 1000 - ROW_DELAY_MARGIN_MS).toISOString();
  const { results } = await env.DB.prepare(
    "SELECT session, detail FROM audit_events WHERE event = 'approval_requested' AND at >= ?1 AND session IS NOT NULL ORDER BY at DESC, id DESC LIMIT ?2",
  )
    .bind(since, MAX_CANDIDATES)
    .all<Candidate>();
  const open: OpenRequest[] = [];
  for (let i = 0; i < results.length; i += PARALLEL_LOOKUPS) {
    const found = await Promise.all(results.slice(i, i + PARALLEL_LOOKUPS).map((c) => lookUp(env, c, who)));
    open.push(...found.filter((r): r is OpenRequest => r !== undefined));
  }
  return open;
}
