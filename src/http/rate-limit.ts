// Rate limiting for the ticket routes (/redeem, /lookup, /deposit, /ci/redeem), through Cloudflare's Rate Limiting binding. A refused
// request is answered before any Durable Object, Secret Server or D1 work, and is not audited (an
// audit row per refused request would hand a flood exactly what it wants); it is logged.
import { ClaimcheckError } from "../errors";
import { logEvent } from "../log";
import { parseTicket } from "../tickets/ticket-format";

/** The binding's window (seconds): what a refused client is told to wait. */
const WINDOW_SECONDS = 10;

export type RateLimitRule = { limiter: RateLimit; key: string };

/** Throws RATE_LIMITED when any rule's limiter says no. The limiters are asked together: each is a round trip. */
export async function enforceRateLimits(rules: RateLimitRule[]): Promise<void> {
  const outcomes = await Promise.all(rules.map(({ limiter, key }) => limiter.limit({ key })));
  if (outcomes.some(({ success }) => !success)) {
    logEvent("warn", "rate limited", { event: "rate_limited" });
    throw new ClaimcheckError("RATE_LIMITED", { retryAfter: WINDOW_SECONDS, detail: "redeem rate limit" });
  }
}

/** The client's address as Cloudflare saw it; one shared bucket when it is unknown. */
export function clientAddress(headers: Headers): string {
  return headers.get("CF-Connecting-IP") ?? "unknown";
}

/**
 * For every use of a ticket (/redeem, /lookup, /deposit): per client IP for every attempt, and per
 * client IP and session for attempts at one session's tickets, so many agents behind one address
 * are not held back by each other while one ticket session can be hammered only so fast.
 */
export function limitTicketUses(env: Env, headers: Headers, ticket: string): Promise<void> {
  const ip = clientAddress(headers);
  const routing = parseTicket(ticket)?.routing;
  return enforceRateLimits([
    { limiter: env.REDEEM_LIMIT_IP, key: ip },
    ...(routing ? [{ limiter: env.REDEEM_LIMIT_SESSION, key: `${ip}|${routing}` }] : []),
  ]);
}
