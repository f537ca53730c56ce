// POST /deposit — the deposit window. The body is the deposit ticket, a line break, then the value
// (see tickets/deposit-body.ts); the answer is one line naming what was stored, never the value.
// With `Claimcheck-Deposit: probe` the body is the ticket line alone: a waiting snippet learns
// whether the ticket may be used (204), must wait (503 + Retry-After) or is refused, and nothing
// is consumed.
import { Hono } from "hono";
import { loadConfig } from "../config";
import type { SecretServerClient } from "../secret-server";
import { splitDepositBody } from "../tickets/deposit-body";
import { depositTicket, probeDeposit } from "../tickets/deposit-ticket";
import { requestContext } from "./bearer";
import { NO_STORE_HEADERS } from "./error-response";
import { limitTicketUses } from "./rate-limit";

export const DEPOSIT_ROUTE = "/deposit";

export function depositRoutes(sourceFor: (env: Env) => SecretServerClient) {
  const app = new Hono<{ Bindings: Env }>();

  app.post(DEPOSIT_ROUTE, async (c) => {
    const config = loadConfig(c.env);
    // Bounded by the body-limit middleware before this reads it (DEPOSIT_MAX_BYTES is checked on the value).
    const body = new Uint8Array(await c.req.arrayBuffer());
    const deps = { policy: config.accessPolicy, source: sourceFor(c.env), maxBytes: config.depositMaxBytes };
    const context = requestContext(c.req.raw.headers);
    const parts = splitDepositBody(body);
    await limitTicketUses(c.env, c.req.raw.headers, parts.ticket);
    if (c.req.header("Claimcheck-Deposit") === "probe") {
      await probeDeposit(c.env, deps, parts.ticket, context);
      return new Response(null, { status: 204, headers: NO_STORE_HEADERS });
    }
    const { record } = await depositTicket(c.env, deps, parts, context);
    return new Response(`claimcheck: stored ${record.secretPath} ${record.fields[0]}\n`, {
      headers: { ...NO_STORE_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
    });
  });

  return app;
}
