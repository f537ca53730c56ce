// When an undelivered alert is tried again: exponential backoff with jitter, for 24 hours from the
// moment it was queued, then it is dropped (and the drop audited as `alert_dropped`). Pure: the
// caller passes the time and the random draw, so the schedule is tested without waiting.

/** How long an alert is retried before it is dropped. */
export const DELIVERY_WINDOW_MS = 24 * 60 * 60_000;
/** Wait before the first retry: long enough for a receiver's restart, short for a blip. */
const FIRST_RETRY_MS = 10_000;
/** The longest wait between two attempts, so a receiver that comes back is served within the hour. */
const MAX_RETRY_MS = 60 * 60_000;

/**
 * The wait after the `failures`-th failed attempt (1-based): 10 s, 20 s, 40 s ... capped at 1 h,
 * each drawn uniformly from its upper half ("equal jitter") so alerts queued together do not hit a
 * recovering receiver in one burst, yet each wait still grows.
 */
export function retryDelayMs(failures: number, random: number): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

export type NextStep = { retryAt: number } | { drop: true };

/**
 * After a failed attempt at `now`: the next attempt's time, never later than the end of the window
 * (the last attempt is made right at 24 h), or drop when that last attempt has failed too.
 */
export function afterFailure(queuedAt: number, failures: number, now: number, random: number): NextStep {
  const deadline = queuedAt + DELIVERY_WINDOW_MS;
  if (now >= deadline) return { drop: true };
  return { retryAt: Math.min(now + retryDelayMs(failures, random), deadline) };
}
