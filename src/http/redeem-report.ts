// POST /redeem/report — a command-form snippet tells claimcheck that the command it ran printed
// the value it had redeemed (the snippet concealed it). `Authorization: Bearer <the consumed
// ticket>`, body `{"count":N}`; answered 204. Audited as `value_printed` with the ticket's owner,
// client, session, secret, field and the count: a sign of a careless command, or of a prompt
// injection that made the agent print a secret. Nothing of the output is ever sent or stored.
//
// The redeemed ticket is the credential: its hash is kept as a tombstone anyway, its holder is the
// only one who ran the command, and the TicketStore accepts one report per ticket within one
// ticket lifetime after the redemption. Every refusal (unknown, unredeemed, already reported, too
// late, malformed) is the same 401 as an unusable ticket at /redeem, and changes nothing; the
// reason goes to the log.
import { Hono } from "hono";
import { z } from "zod";
import { ClaimcheckError } from "../errors";
import { logEvent } from "../log";
import { hashTicket, parseTicket, ticketIdOf } from "../tickets/ticket-format";
import { bearerCredential, requestContext } from "./bearer";
import { NO_STORE_HEADERS } from "./error-response";
import { limitTicketUses } from "./rate-limit";

export const REPORT_ROUTE = "/redeem/report";

/** `{"count":12}` and nothing else; a snippet never reports zero. */
const ReportBody = z.strictObject({ count: z.number().int().min(1).max(1_000_000_000) });

/** Longest body worth reading: the count fits in a few bytes (body-limits.ts enforces it). */
export const REPORT_MAX_BODY_BYTES = 256;

async function readCount(request: Request): Promise<number> {
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    throw new ClaimcheckError("BAD_REQUEST", { detail: "report body is not JSON" });
  }
  const parsed = ReportBody.safeParse(body);
  if (!parsed.success) throw new ClaimcheckError("BAD_REQUEST", { detail: "report body is not {count}" });
  return parsed.data.count;
}

function storeFor(env: Env, routing: string): DurableObjectStub<import("../tickets/ticket-store").TicketStore> | undefined {
  try {
    return env.TICKETS.get(env.TICKETS.idFromString(routing));
  } catch {
    return undefined;
  }
}

export const redeemReportRoutes = new Hono<{ Bindings: Env }>();

redeemReportRoutes.post(REPORT_ROUTE, async (c) => {
  const presented = bearerCredential(c.req.header("Authorization"));
  await limitTicketUses(c.env, c.req.raw.headers, presented);
  const count = await readCount(c.req.raw);
  const parsed = parseTicket(presented);
  const store = parsed && storeFor(c.env, parsed.routing);
  if (!parsed || !store) throw new ClaimcheckError("TICKET_INVALID", { detail: "report: malformed" });
  const hash = await hashTicket(parsed.ticket);
  const result = await store.reportPrinted(hash, count, requestContext(c.req.raw.headers));
  if (!result.ok) {
    logEvent("warn", "report of a printed value refused", { event: "value_printed", outcome: result.reason, ticketId: ticketIdOf(hash) });
    throw new ClaimcheckError("TICKET_INVALID", { detail: `report: ${result.reason}` });
  }
  return new Response(null, { status: 204, headers: NO_STORE_HEADERS });
});
