// Upper bounds on request bodies, checked in front of every route, the OAuth provider's included
// (its token endpoint and /mcp read a body whole), so no handler reads more than its route needs.
// A declared Content-Length over the bound is refused unread; a body without one is read only up
// to the bound (hono/body-limit).
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MCP_ROUTE, TOKEN_ENDPOINT } from "../auth/front-door";
import { CI_REDEEM_ROUTE } from "../ci/ci-routes";
import { MAX_BODY_BYTES as CI_MAX_BODY_BYTES } from "../ci/redeem-request";
import { MAX_DEPOSIT_MAX_BYTES } from "../config";
import { DEPOSIT_ROUTE } from "./deposit";
import { REPORT_MAX_BODY_BYTES, REPORT_ROUTE } from "./redeem-report";
import { ClaimcheckError } from "../errors";

/** /redeem and /lookup take no body; this leaves room for a client that sends `{}` or an empty form. */
const NO_BODY_BYTES = 1024;

const ROUTE_LIMIT_BYTES: Record<string, number> = {
  "/redeem": NO_BODY_BYTES,
  "/lookup": NO_BODY_BYTES,
  // `{"count":N}` from a command-form snippet.
  [REPORT_ROUTE]: REPORT_MAX_BODY_BYTES,
  [CI_REDEEM_ROUTE]: CI_MAX_BODY_BYTES,
  // The ticket line and the largest value DEPOSIT_MAX_BYTES may allow (the route checks the setting).
  [DEPOSIT_ROUTE]: MAX_DEPOSIT_MAX_BYTES + 1024,
  // Two short fields: the consent handle and the decision.
  "/consent": 4 * 1024,
  // A code or refresh token, a PKCE verifier, a redirect URI, a resource, client credentials.
  [TOKEN_ENDPOINT]: 16 * 1024,
  // Tool arguments are a path, a field, a comment; a full batch (the SDK caps it at 100) of such
  // requests still fits.
  [MCP_ROUTE]: 256 * 1024,
};

/** Every other route: client registration (metadata of a few KiB) and the routes that take no body. */
const DEFAULT_LIMIT_BYTES = 64 * 1024;

function refuse(): never {
  throw new ClaimcheckError("PAYLOAD_TOO_LARGE");
}

export function bodyLimits(): MiddlewareHandler {
  const byRoute = new Map(Object.entries(ROUTE_LIMIT_BYTES).map(([route, maxSize]) => [route, bodyLimit({ maxSize, onError: refuse })]));
  const fallback = bodyLimit({ maxSize: DEFAULT_LIMIT_BYTES, onError: refuse });
  return async function bodyLimits(c, next) {
    return (byRoute.get(c.req.path) ?? fallback)(c, next);
  };
}
