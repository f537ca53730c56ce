// POST /redeem — the claim window. `Authorization: Bearer <ticket>`; answers the field value as
// text/plain, or every field as JSON when the client asks for application/json.
// POST /lookup — whether a ticket is still valid and until when, without consuming it.
import { Hono } from "hono";
import { loadConfig } from "../config";
import { ClaimcheckError } from "../errors";
import { hashTicket, parseTicket } from "../tickets/ticket-format";
import type { SecretReader } from "../secret-server";
import { redeemTicket } from "../tickets/redeem-ticket";
import { bearerCredential, requestContext } from "./bearer";
import { NO_STORE_HEADERS } from "./error-response";
import { limitTicketUses } from "./rate-limit";

function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept);
}

export function redeemRoutes(sourceFor: (env: Env) => SecretReader) {
  const app = new Hono<{ Bindings: Env }>();

  app.post("/redeem", async (c) => {
    const config = loadConfig(c.env);
    const ticket = bearerCredential(c.req.header("Authorization"));
    await limitTicketUses(c.env, c.req.raw.headers, ticket);
    const { record, values } = await redeemTicket(
      c.env,
      { policy: config.accessPolicy, source: sourceFor(c.env) },
      ticket,
      requestContext(c.req.raw.headers),
    );
    if (wantsJson(c.req.header("Accept"))) {
      return new Response(JSON.stringify({ secret_id: record.secretId, fields: values }), {
        headers: { ...NO_STORE_HEADERS, "Content-Type": "application/json" },
      });
    }
    return new Response(values[record.fields[0]!], {
      headers: { ...NO_STORE_HEADERS, "Content-Type": "text/plain; charset=utf-8" },
    });
  });

  app.post("/lookup", async (c) => {
    const presented = bearerCredential(c.req.header("Authorization"));
    await limitTicketUses(c.env, c.req.raw.headers, presented);
    const parsed = parseTicket(presented);
    if (!parsed) throw new ClaimcheckError("TICKET_INVALID");
    let status;
    try {
      status = await c.env.TICKETS.get(c.env.TICKETS.idFromString(parsed.routing)).lookup(await hashTicket(parsed.ticket));
    } catch {
      throw new ClaimcheckError("TICKET_INVALID");
    }
    if (!status.valid) throw new ClaimcheckError("TICKET_INVALID");
    return c.json(
      { valid: true, created_at: new Date(status.createdAt).toISOString(), expires_at: new Date(status.expiresAt).toISOString() },
      200,
      NO_STORE_HEADERS,
    );
  });

  return app;
}
