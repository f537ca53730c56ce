// Check-out-enabled secrets are checked out around a read or a write and checked in right after,
// whatever happened in between, with the same comment naming the human and the ticket.
import { errorFromAnswer, isSuccess } from "./answers";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";

export type CheckOut = <T>(id: number, comment: string, work: () => Promise<T>) => Promise<T>;

export function createCheckOut(api: RestApi, routes: RouteSupport): CheckOut {
  return async function withCheckOut(id, comment, work) {
    if (routes.lacks("check-out")) return work();
    const out = await api.post(`/secrets/${id}/check-out`);
    // A server with no check-out route (none of Delinea's SDKs checks out) has no check-out to
    // honour: its own read or write is the judge, and refuses if one is needed after all.
    if (routes.isMissing("check-out", out)) return work();
    if (!isSuccess(out)) throw errorFromAnswer(out);
    try {
      return await work();
    } finally {
      // A failed check-in must not cost the caller a value already read or written: Secret Server
      // releases the check-out itself when its interval ends.
      await api.post(`/secrets/${id}/check-in`, { comment, forceCheckIn: false }).catch(() => undefined);
    }
  };
}
