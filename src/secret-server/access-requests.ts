// Secret Server's own approval workflow ("access requests"): whether the app account must ask
// before it may see a secret's values (the secret's state), filing the request, and following it.
// Secret Server files every request as the app account, so the comment is all its approvers learn
// of who really asks. Once access is approved, values are read through readField as for any other
// secret: Secret Server itself decides whether the approval covers the read.
import { z } from "zod";
import { ClaimcheckError } from "../errors";
import { expectJson } from "./answers";
import { oneLine } from "./audit-comment";
import type { RestApi } from "./rest-api";
import { accessRequestAnswer, secretStateAnswer } from "./schemas";
import type { AccessRequest, AccessRequests, AccessRequestStatus, NewAccessRequest } from "./types";

/**
 * Long enough for the human, the OAuth client, the ticket and a reason. Longer is refused, not
 * cut: a cut comment could lose who is asking.
 */
export const MAX_REQUEST_COMMENT_CHARS = 500;

const KNOWN_STATUSES = ["Pending", "Approved", "Denied", "Canceled"] as const satisfies readonly AccessRequestStatus[];

const numericId = z.number().int().positive().max(2 ** 31 - 1);

// z.date() refuses an Invalid Date, so a bad date never reaches toISOString().
const newRequest = z.object({ secretId: numericId, comment: z.string(), startDate: z.date(), expirationDate: z.date() });

const badRequest = (what: string) => new ClaimcheckError("BAD_REQUEST", { detail: `invalid ${what}` });
const mismatch = (what: string) => new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `${what} id mismatch` });

function checkId(value: number, what: string): number {
  if (!numericId.safeParse(value).success) throw badRequest(what);
  return value;
}

/** SecretAccessCreateArgs, or BAD_REQUEST before anything is sent. */
function createArgs(req: NewAccessRequest, nowMs: number) {
  const parsed = newRequest.safeParse(req);
  if (!parsed.success) throw badRequest("access request");
  const { secretId, startDate, expirationDate } = parsed.data;
  // One line: the human's reason is part of it, and must not forge lines in an approver's view.
  const requestComment = oneLine(parsed.data.comment);
  if (requestComment.length === 0 || requestComment.length > MAX_REQUEST_COMMENT_CHARS) throw badRequest("access request comment");
  // Secret Server refuses these too, but with a 400 that would read as a bad upstream answer.
  if (expirationDate <= startDate || expirationDate.getTime() <= nowMs) throw badRequest("access request window");
  return { secretId, requestComment, startDate: startDate.toISOString(), expirationDate: expirationDate.toISOString() };
}

function toAccessRequest(answer: z.output<typeof accessRequestAnswer>): AccessRequest {
  // Exact names only: anything else, a changed case included, must not read as approved.
  const status = KNOWN_STATUSES.find((known) => known === answer.status) ?? "Unknown";
  return {
    id: answer.secretAccessRequestId,
    secretId: answer.secretId,
    status,
    ...(answer.startDate ? { startDate: answer.startDate } : {}),
    ...(answer.expirationDate ? { expirationDate: answer.expirationDate } : {}),
  };
}

export function createAccessRequests(api: RestApi, now: () => number): AccessRequests {
  return {
    async secretState(id) {
      const answer = await api.get(`/secrets/${checkId(id, "secret id")}/state`);
      const state = expectJson(answer, secretStateAnswer, "secret state");
      if (state.id !== id) throw mismatch("secret");
      return state.secretState;
    },

    async requestAccess(req) {
      const args = createArgs(req, now());
      // Never repeated: after a timeout the first request may have been filed, and a second would
      // be a second request in front of the approvers. The caller decides whether to ask again.
      const answer = await api.post("/secret-access-requests", args, { maxRetries: 0 });
      const request = toAccessRequest(expectJson(answer, accessRequestAnswer, "access request"));
      if (request.secretId !== args.secretId) throw mismatch("secret");
      return request;
    },

    async accessRequest(id) {
      const answer = await api.get(`/secret-access-requests/${checkId(id, "access request id")}`);
      const request = toAccessRequest(expectJson(answer, accessRequestAnswer, "access request"));
      if (request.id !== id) throw mismatch("access request");
      return request;
    },

    async withdrawAccessRequest(id) {
      // SecretAccessUpdateArgs: the requester may only cancel its own request.
      const answer = await api.put("/secret-access-requests", { secretAccessRequestId: checkId(id, "access request id"), status: "Canceled" });
      expectJson(answer, accessRequestAnswer, "access request");
    },
  };
}
