// The refresh-token ledger's decisions (RFC 9700 §4.14.2), as pure functions with a hand-held
// clock: every way a rotated-out token can come back, the one forgiven retry, and its limits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EMPTY_LEDGER,
  MAX_RETIRED_TOKENS,
  presentToken,
  recordIssue,
  REFRESH_GRACE_MS,
  type LedgerState,
  type Verdict,
} from "../../../../src/auth/refresh/refresh-reuse";

const T0 = 1_800_000_000_000;

/** A grant opened by a code exchange (R0), then refreshed in order: R0 → R1 → … → R{n}. */
function chain(n: number, at = T0): LedgerState {
  let state = recordIssue(EMPTY_LEDGER, undefined, "R0", at).state;
  for (let i = 0; i < n; i++) {
    expect(presentToken(state, `R${i}`, at).verdict).toEqual({ kind: "pass" });
    state = recordIssue(state, `R${i}`, `R${i + 1}`, at).state;
  }
  return state;
}

const replay = (reason: string): Verdict => ({ kind: "replay", reason } as Verdict);

describe("ordinary rotation", () => {
  it("lets the current token through and retires the one two steps back", () => {
    const state = chain(3);
    expect(state.current).toBe("R3");
    expect(state.previous).toMatchObject({ hash: "R2", grace: "unused" });
    expect(state.retired.map((t) => t.hash)).toEqual(["R0", "R1"]);
    expect(presentToken(state, "R3", T0).verdict).toEqual({ kind: "pass" });
  });

  it("lets a token it never saw through to the provider (which refuses a forged one)", () => {
    expect(presentToken(chain(2), "forged", T0)).toEqual({ state: chain(2), verdict: { kind: "pass" } });
  });

  it("learns a grant it first sees at a refresh (a grant older than its ledger)", () => {
    const state = recordIssue(EMPTY_LEDGER, "old", "new", T0).state;
    expect(state).toMatchObject({ current: "new", previous: { hash: "old", grace: "unused" }, retired: [] });
  });
});

describe("reuse of a rotated-out token revokes the grant", () => {
  it("after its successor was used", () => {
    const { state, verdict } = presentToken(chain(2), "R0", T0);
    expect(verdict).toEqual(replay("successor_used"));
    expect(state.revokedAt).toBe(T0);
  });

  it("refuses every token of the grant once revoked, the current one included", () => {
    const revoked = presentToken(chain(2), "R0", T0).state;
    for (const token of ["R0", "R1", "R2", "unknown"]) expect(presentToken(revoked, token, T0).verdict).toEqual({ kind: "revoked" });
  });

  it("a second time: the one grace retry is spent", () => {
    const claimed = presentToken(chain(1), "R0", T0 + 1000);
    expect(claimed.verdict).toEqual({ kind: "grace" });
    expect(presentToken(claimed.state, "R0", T0 + 2000).verdict).toEqual(replay("second_use"));
  });

  it("after the grace window, even the first time", () => {
    expect(presentToken(chain(1), "R0", T0 + REFRESH_GRACE_MS).verdict).toEqual({ kind: "grace" });
    expect(presentToken(chain(1), "R0", T0 + REFRESH_GRACE_MS + 1).verdict).toEqual(replay("outside_grace"));
  });

  it("when the successor the grace replaced comes back (the other party's chain)", () => {
    const claimed = presentToken(chain(1), "R0", T0).state; // R1 was issued; its holder lost it, or a thief retried R0
    const regranted = recordIssue(claimed, "R0", "R1b", T0).state;
    expect(regranted).toMatchObject({ current: "R1b", previous: { hash: "R0", grace: "issued" } });
    expect(presentToken(regranted, "R1", T0).verdict).toEqual(replay("superseded"));
  });

  it("when the provider let a third racing use through before the ledger could refuse it", () => {
    // Two uses of R1 raced past presentToken as `pass`; the provider answered both, then a third.
    const first = recordIssue(chain(1), "R1", "R2a", T0).state;
    const second = recordIssue(first, "R1", "R2b", T0);
    expect(second.replay).toBeUndefined();
    expect(second.state.retired.at(-1)).toEqual({ hash: "R2a", why: "superseded" });
    const third = recordIssue(second.state, "R1", "R2c", T0);
    expect(third.replay).toBe("second_use");
    expect(third.state.revokedAt).toBe(T0);
  });

  it("when a token was rotated out while its own request was with the provider", () => {
    const moved = recordIssue(chain(2), "R3", "R4", T0).state; // R2 is now retired
    expect(recordIssue(moved, "R1", "late", T0).replay).toBe("successor_used");
  });
});

describe("the grace retry (a client that lost the answer to its refresh)", () => {
  it("is let through once, within the window, while the successor is unused, and the grant lives on", () => {
    const claimed = presentToken(chain(1), "R0", T0 + REFRESH_GRACE_MS - 1);
    expect(claimed.verdict).toEqual({ kind: "grace" });
    const after = recordIssue(claimed.state, "R0", "R1b", T0 + REFRESH_GRACE_MS).state;
    expect(after.revokedAt).toBeUndefined();
    expect(presentToken(after, "R1b", T0 + REFRESH_GRACE_MS).verdict).toEqual({ kind: "pass" });
    const next = recordIssue(after, "R1b", "R2", T0 + REFRESH_GRACE_MS).state;
    expect(next.retired.map((t) => t.hash)).toEqual(["R1", "R0"]);
  });

  it("is not offered once the successor was used", () => {
    expect(presentToken(chain(2), "R0", T0).verdict).toEqual(replay("successor_used"));
  });
});

describe("bounded", () => {
  it(`keeps at most ${MAX_RETIRED_TOKENS} rotated-out hashes per grant`, () => {
    const long = chain(MAX_RETIRED_TOKENS + 10);
    expect(long.retired).toHaveLength(MAX_RETIRED_TOKENS);
    expect(long.retired.at(-1)?.hash).toBe(`R${MAX_RETIRED_TOKENS + 8}`);
  });
});

describe("whatever the order of events", () => {
  it("never lets a retired token through, and never un-revokes", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("present" as const), token: fc.integer({ min: 0, max: 6 }), dt: fc.integer({ min: 0, max: 40_000 }) }),
      fc.record({ kind: fc.constant("issue" as const), token: fc.integer({ min: 0, max: 6 }), dt: fc.integer({ min: 0, max: 40_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let state = recordIssue(EMPTY_LEDGER, undefined, "R0", T0).state;
        let now = T0;
        let next = 1;
        for (const o of ops) {
          now += o.dt;
          const token = `R${o.token}`;
          const wasRetired = state.retired.some((t) => t.hash === token);
          const wasRevoked = state.revokedAt !== undefined;
          if (o.kind === "present") {
            const out = presentToken(state, token, now);
            if (wasRetired || wasRevoked) expect(out.verdict.kind === "replay" || out.verdict.kind === "revoked").toBe(true);
            state = out.state;
          } else {
            const out = recordIssue(state, token, `N${next++}`, now);
            if (wasRetired) expect(out.replay).toBeDefined();
            state = out.state;
          }
          if (wasRevoked) expect(state.revokedAt).toBeDefined();
          expect(state.retired.length).toBeLessThanOrEqual(MAX_RETIRED_TOKENS);
        }
      }),
    );
  });
});
