// POST /ci/redeem — the CI window. `Authorization: Bearer <the runner's OpenID Connect token>` and a
// JSON body naming the secrets; answers them as JSON, a shell script or dotenv (see ci-answer.ts),
// never cached. Mounted by src/index.ts beside the agents' /redeem.
import { Hono } from "hono";
import { recordAudit } from "../audit/audit-log";
import { loadConfig } from "../config";
import { ClaimcheckError } from "../errors";
import { bearerCredential, requestContext } from "../http/bearer";
import { NO_STORE_HEADERS } from "../http/error-response";
import { clientAddress, enforceRateLimits } from "../http/rate-limit";
import type { SecretReader } from "../secret-server";
import { answerFormat } from "./ci-answer";
import { redeemForCi } from "./redeem-for-ci";
import { readCiRedeemRequest } from "./redeem-request";

export const CI_REDEEM_ROUTE = "/ci/redeem";

export function ciRoutes(sourceFor: (env: Env) => SecretReader) {
  const app = new Hono<{ Bindings: Env }>();

  app.post(CI_REDEEM_ROUTE, async (c) => {
    const config = loadConfig(c.env);
    // Before anything is read or audited: a flood costs no audit rows and no issuer fetches.
    await enforceRateLimits([{ limiter: c.env.CI_REDEEM_LIMIT_IP, key: clientAddress(c.req.raw.headers) }]);
    const context = requestContext(c.req.raw.headers);
    let token: string;
    let request;
    // Both are read before the token is verified, so a malformed request never uses a token up.
    try {
      token = bearerCredential(c.req.header("Authorization"));
      request = await readCiRedeemRequest(c.req.raw);
    } catch (err) {
      const outcome = err instanceof ClaimcheckError && err.code === "UNAUTHORIZED" ? "token_missing" : "malformed_request";
      await recordAudit(c.env.DB, { event: "deny", outcome, ...context });
      throw err;
    }
    const { body, contentType } = await redeemForCi(
      c.env,
      { trust: config.ciTrust, source: sourceFor(c.env) },
      token,
      request,
      answerFormat(c.req.header("Accept")),
      context,
    );
    return new Response(body, { headers: { ...NO_STORE_HEADERS, "Content-Type": contentType } });
  });

  return app;
}
