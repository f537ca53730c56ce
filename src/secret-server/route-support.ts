// Which optional Secret Server routes this server lacks. claimcheck prefers routes that move no
// value (a secret's summary, its template) or carry our audit comment in a body (the restricted
// read), but Delinea's SDKs never call some of them, so a server built only to what the SDKs use
// may not have them. Such a server answers 404 or 405 for the route itself; Secret Server answers
// a missing or forbidden *secret* with 400 API_AccessDenied, never 404. A route found missing is
// remembered by the client (so per isolate) for a while, so only the first caller pays for
// finding out; the memory lapses so a server that gains the route, or a passing misroute, is
// noticed again.
import type { UpstreamAnswer } from "./transport";

/** Long enough that a server without the route costs one extra request per isolate in practice. */
export const MISSING_ROUTE_TTL_MS = 10 * 60_000;

export type OptionalRoute =
  | "secret summary"
  | "secret templates"
  | "template search"
  | "folder by path"
  | "restricted field read"
  | "check-out"
  | "secret stub"
  | "change password";

export type RouteSupport = {
  /** True while `route` is remembered as missing: callers go straight to their fallback. */
  lacks(route: OptionalRoute): boolean;
  /** True, and remembered, when `answer` says `route` does not exist on this server. */
  isMissing(route: OptionalRoute, answer: UpstreamAnswer): boolean;
};

export function createRouteSupport(now: () => number): RouteSupport {
  const missingUntil = new Map<OptionalRoute, number>();
  return {
    lacks(route) {
      const until = missingUntil.get(route);
      return until !== undefined && now() < until;
    },
    isMissing(route, answer) {
      if (answer.status !== 404 && answer.status !== 405) return false;
      missingUntil.set(route, now() + MISSING_ROUTE_TTL_MS);
      return true;
    },
  };
}
