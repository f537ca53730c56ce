// Rate limiting for the redemption routes (/redeem, /lookup, /ci/redeem), through Cloudflare's Rate Limiting binding. A refused
// request is answered before any Durable Object, Secret Server or D1 work, and is not audited (an
// audit row per refused request would hand a flood exactly what it wants); it is logged.
import { ClaimcheckError } from "../errors";
import { logEvent } from "../log";

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
