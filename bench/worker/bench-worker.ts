// Bench-only Worker entry: the real Worker (src/index.ts, Durable Object classes included) plus one
// route, `POST /_bench/mint?count=N[&session=NAME]`, that mints N claim tickets for secret 11
// (`db/prod`, field `password`) for a fixed bench identity, with no sign-in, so bench/redeem.ts can
// measure redemption alone, and `GET /_bench/store-size?session=NAME`, the rows that session's
// TicketStore holds (live tickets and replay tombstones), so bench/soak.ts can watch storage drain,
// and `GET /_bench/audit-rows[?events=a,b]`, the D1 audit table's row count (and per event), a request that runs every isolate
// on the audit's way (bench/isolate-heap.ts).
// Every other request goes to the real Worker unchanged; one carrying
// `X-Claimcheck-Bench-Profile: 1` runs on profiled bindings and answers a Server-Timing header
// (bench/worker/profile-env.ts), one carrying `X-Claimcheck-Bench-Limits: in-isolate` runs with the
// redemption rate limiters counted in the Worker's isolate (bench/worker/in-isolate-limits.ts).
//
// NEVER DEPLOY THIS ENTRY: /_bench/mint hands tickets to whoever asks. It is not wrangler.toml's
// `main`, so `wrangler deploy` never builds it; bench scripts start it explicitly with
// `wrangler dev bench/worker/bench-worker.ts` on 127.0.0.1. As a second lock, the route answers only when
// PUBLIC_URL and the request are both on loopback.
import { z } from "zod";
import claimcheck from "../../src/index";
import { loadConfig } from "../../src/config";
import { NO_STORE_HEADERS } from "../../src/http/error-response";
import { isAllowed } from "../../src/policy/access-policy";
import { mintTicket, newTicket, ticketStoreFor, type MintRequest } from "../../src/tickets/mint-ticket";
import { withInIsolateLimits } from "./in-isolate-limits";
import { withProfile } from "./profile-env";

export * from "../../src/index";

/** Who the bench's tickets are for; the bench's ACCESS_POLICY must allow it `db/prod`. */
const BENCH_IDENTITY = { sub: "bench-agent", email: "bench@claimcheck.invalid", groups: ["bench"] };
const BENCH_CLIENT_ID = "claimcheck-bench";
const BENCH_SECRET = { id: 11, path: "db/prod", requiresComment: false, checkOutEnabled: false };
const BENCH_FIELD = "password";

/** Per request: bounds the answer's size and the time one request holds the Worker. */
const MAX_TICKETS_PER_REQUEST = 1_000;
/** Mints in flight at once inside one request: enough to overlap the Durable Object and D1 waits. */
const MINT_PARALLELISM = 16;

const BenchSession = z.string().regex(/^[a-z0-9-]{1,64}$/);

const MintQuery = z.object({
  count: z.coerce.number().int().min(1).max(MAX_TICKETS_PER_REQUEST),
  session: BenchSession.default("default"),
});

const StoreSizeQuery = z.object({ session: BenchSession });

// Every export of a Worker module must be a handler or a class: constants stay private.
const PROFILE_HEADER = "X-Claimcheck-Bench-Profile";
const LIMITS_HEADER = "X-Claimcheck-Bench-Limits";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function onLoopback(request: Request, env: Env): boolean {
  return LOOPBACK.has(new URL(request.url).hostname) && LOOPBACK.has(new URL(loadConfig(env).publicUrl).hostname);
}

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...NO_STORE_HEADERS, "Content-Type": "application/json" } });
}

async function mintForBench(request: Request, env: Env): Promise<Response> {
  if (!onLoopback(request, env)) return answer(403, { error: "FORBIDDEN", message: "Bench minting is loopback only." });
  const query = MintQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return answer(400, { error: "BAD_REQUEST", message: `count must be 1..${MAX_TICKETS_PER_REQUEST}` });
  const config = loadConfig(env);
  // The same check the MCP tool makes before it mints; redemption checks it again.
  if (!isAllowed(config.accessPolicy, BENCH_IDENTITY, BENCH_SECRET)) {
    return answer(403, { error: "FORBIDDEN", message: "ACCESS_POLICY does not allow the bench identity db/prod." });
  }
  const session = `bench-${query.data.session}`;
  const mintRequest: MintRequest = {
    session,
    secret: BENCH_SECRET,
    fields: [BENCH_FIELD],
    who: BENCH_IDENTITY,
    clientId: BENCH_CLIENT_ID,
    ttlSeconds: config.ticketTtlSeconds,
  };
  const tickets: string[] = [];
  for (let start = 0; start < query.data.count; start += MINT_PARALLELISM) {
    const batch = Math.min(MINT_PARALLELISM, query.data.count - start);
    const minted = await Promise.all(Array.from({ length: batch }, () => mintTicket(env, newTicket(env, session), mintRequest)));
    tickets.push(...minted.map((m) => m.ticket));
  }
  return answer(200, { tickets });
}

async function storeSizeForBench(request: Request, env: Env): Promise<Response> {
  if (!onLoopback(request, env)) return answer(403, { error: "FORBIDDEN", message: "Bench routes are loopback only." });
  const query = StoreSizeQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return answer(400, { error: "BAD_REQUEST", message: "session must be 1-64 of a-z, 0-9, -" });
  return answer(200, { rows: await ticketStoreFor(env, `bench-${query.data.session}`).size() });
}

const AuditRowsQuery = z.object({ events: z.string().regex(/^[a-z_]{1,32}(,[a-z_]{1,32}){0,9}$/).optional() });

async function auditRowsForBench(request: Request, env: Env): Promise<Response> {
  if (!onLoopback(request, env)) return answer(403, { error: "FORBIDDEN", message: "Bench routes are loopback only." });
  const query = AuditRowsQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return answer(400, { error: "BAD_REQUEST", message: "events must be a comma-separated list of event names" });
  const row = await env.DB.prepare("SELECT count(*) AS n FROM audit_events").first<{ n: number }>();
  const byEvent: Record<string, number> = {};
  for (const event of query.data.events?.split(",") ?? []) {
    byEvent[event] = (await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE event = ?").bind(event).first<{ n: number }>())?.n ?? 0;
  }
  return answer(200, { rows: row?.n ?? 0, byEvent });
}

export default {
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    if (request.method === "POST" && path === "/_bench/mint") return mintForBench(request, env);
    if (request.method === "GET" && path === "/_bench/store-size") return storeSizeForBench(request, env);
    if (request.method === "GET" && path === "/_bench/audit-rows") return auditRowsForBench(request, env);
    if (request.headers.get(PROFILE_HEADER) === "1" && onLoopback(request, env)) {
      return withProfile(env, (profiled) => claimcheck.fetch(request, profiled, ctx));
    }
    if (request.headers.get(LIMITS_HEADER) === "in-isolate" && onLoopback(request, env)) {
      return claimcheck.fetch(request, withInIsolateLimits(env), ctx);
    }
    return claimcheck.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
