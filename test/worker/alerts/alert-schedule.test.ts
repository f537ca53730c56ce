// The retry schedule, without waiting: exponential backoff with equal jitter, capped at an hour,
// for 24 h from queuing, the last attempt right at the deadline, then drop.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { afterFailure, DELIVERY_WINDOW_MS, retryDelayMs } from "../../../src/alerts/alert-schedule";

const SECOND = 1000;
const HOUR = 3600 * SECOND;

describe("retryDelayMs", () => {
  it("doubles from 10 s, each wait drawn from the upper half of its step", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 0))).toEqual([5, 10, 20, 40].map((s) => s * SECOND));
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1))).toEqual([10, 20, 40, 80].map((s) => s * SECOND));
  });

  it("never waits more than an hour, or less than half a step", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (failures, random) => {
        const step = Math.min(HOUR, 10 * SECOND * 2 ** (failures - 1));
        const delay = retryDelayMs(failures, random);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }),
    );
  });
});

describe("afterFailure", () => {
  it("retries within the 24 h window, the last attempt at its end, then drops", () => {
    const queuedAt = 1_000_000;
    expect(afterFailure(queuedAt, 1, queuedAt, 1)).toEqual({ retryAt: queuedAt + 10 * SECOND });
    expect(afterFailure(queuedAt, 20, queuedAt + DELIVERY_WINDOW_MS - 60 * SECOND, 1)).toEqual({ retryAt: queuedAt + DELIVERY_WINDOW_MS });
    expect(afterFailure(queuedAt, 21, queuedAt + DELIVERY_WINDOW_MS, 0)).toEqual({ drop: true });
  });

  it("with a receiver that never answers: a few dozen attempts over 24 h, spaced ever wider, then a drop", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 200, maxLength: 200 }), (draws) => {
        const queuedAt = 0;
        let now = queuedAt;
        const attempts = [now];
        for (let failures = 1; ; failures++) {
          const next = afterFailure(queuedAt, failures, now, draws[failures % draws.length]!);
          if ("drop" in next) break;
          now = next.retryAt;
          attempts.push(now);
        }
        expect(now).toBe(queuedAt + DELIVERY_WINDOW_MS);
        expect(attempts.length).toBeGreaterThan(20);
        expect(attempts.length).toBeLessThan(60);
        const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
        expect(Math.max(...gaps)).toBeLessThanOrEqual(HOUR);
      }),
    );
  });
});
