// Bench-only (runs inside the bench Worker): the redemption rate limiters as counters in the
// Worker's own isolate, in place of Miniflare's simulation of the binding (a Durable Object in
// another isolate, two service hops and JSON each way per call). Cloudflare's binding counts in
// memory on the machine that runs the Worker, so a redemption on these is closer to its cost
// there. Same rules as wrangler.toml: a limit per key per fixed window.

/** wrangler.toml's `simple` rules for the two redemption limiters: keep the two in step. */
const RULES = { REDEEM_LIMIT_IP: { limit: 600, periodMs: 10_000 }, REDEEM_LIMIT_SESSION: { limit: 60, periodMs: 10_000 } };

function fixedWindowLimiter({ limit, periodMs }: { limit: number; periodMs: number }): RateLimit {
  let window = 0;
  let counts = new Map<string, number>();
  return {
    async limit({ key }) {
      const now = Math.floor(Date.now() / periodMs);
      // A new window forgets every key, which also bounds the map to one window's keys.
      if (now !== window) [window, counts] = [now, new Map()];
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return { success: count <= limit };
    },
  };
}

const limiters = { REDEEM_LIMIT_IP: fixedWindowLimiter(RULES.REDEEM_LIMIT_IP), REDEEM_LIMIT_SESSION: fixedWindowLimiter(RULES.REDEEM_LIMIT_SESSION) };

// One wrapped env per real env, so the Worker's per-env caches live as long as they would otherwise.
const wrapped = new WeakMap<Env, Env>();

/** `env` with both redemption limiters counted in this isolate. */
export function withInIsolateLimits(env: Env): Env {
  let swapped = wrapped.get(env);
  if (!swapped) {
    swapped = { ...env, ...limiters };
    wrapped.set(env, swapped);
  }
  return swapped;
}
