// Refresh-token reuse detection (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1), as pure functions over one
// grant's ledger. The OAuth provider rotates refresh tokens but keeps the previous one valid, for
// ever and for anyone: a stolen, rotated-out token keeps minting tokens, and each use silently
// invalidates the real client's current one. The ledger remembers, by SHA-256 only, which tokens
// of the grant were rotated out; presenting one of them is proof that two parties hold the grant,
// and the grant is revoked.
//
// The one grace use. A client that sent a refresh but lost the answer still holds the previous
// token and will retry with it. That retry is forgiven once, only within REFRESH_GRACE_MS of the
// rotation, and only while the successor has never been used. The grace does not weaken the rule:
// the successor it replaces is marked superseded, so whichever party holds the other chain is
// caught at its very next refresh (a superseded token presented is a replay too), and a second
// reuse, or one after the window, is a replay at once.

/** How long after a rotation the previous token may be retried once. Short: a lost answer is retried within seconds. */
export const REFRESH_GRACE_MS = 30_000;
/** Rotated-out hashes kept per grant. A grant lives 12 h and refreshes every 15 min (about 50); the rest is headroom. */
export const MAX_RETIRED_TOKENS = 500;

/** Who the grant belongs to, for the audit row of a replay. */
export type GrantOwner = { subject: string; email?: string | undefined; clientId: string };

export type RetiredToken = {
  hash: string;
  /** `rotated`: its successor was used. `superseded`: a grace retry of its parent replaced it before it was used. */
  why: "rotated" | "superseded";
};

export type LedgerState = {
  owner?: GrantOwner | undefined;
  /** The token the provider holds as current, once we have seen it issued. */
  current?: string | undefined;
  /**
   * The token the provider still accepts as previous. `grace`: `unused`, `claimed` (a retry was let
   * through to the provider), `issued` (the provider answered it: the one retry is spent).
   */
  previous?: { hash: string; rotatedAt: number; grace: "unused" | "claimed" | "issued" } | undefined;
  retired: RetiredToken[];
  /** Set when a replay revoked the grant: nothing of it works again. */
  revokedAt?: number | undefined;
};

export type ReplayReason = "successor_used" | "superseded" | "second_use" | "outside_grace";

export type Verdict =
  | { kind: "pass" } // current, or unknown to the ledger: the provider decides
  | { kind: "grace" } // the previous token, retried once within the window
  | { kind: "replay"; reason: ReplayReason }
  | { kind: "revoked" }; // the grant was revoked for a replay already

export const EMPTY_LEDGER: LedgerState = { retired: [] };

function retire(retired: RetiredToken[], token: RetiredToken): RetiredToken[] {
  return [...retired, token].slice(-MAX_RETIRED_TOKENS);
}

/**
 * What presenting the token with SHA-256 `hash` means, and the ledger after it. A grace is spent
 * and a replay closes the ledger in this same step, before the provider is asked anything.
 */
export function presentToken(state: LedgerState, hash: string, now: number): { state: LedgerState; verdict: Verdict } {
  if (state.revokedAt !== undefined) return { state, verdict: { kind: "revoked" } };
  const replay = (reason: ReplayReason) => ({ state: { ...state, revokedAt: now }, verdict: { kind: "replay", reason } as const });
  const retired = state.retired.find((t) => t.hash === hash);
  if (retired) return replay(retired.why === "rotated" ? "successor_used" : "superseded");
  const previous = state.previous;
  if (previous?.hash !== hash) return { state, verdict: { kind: "pass" } };
  if (previous.grace !== "unused") return replay("second_use");
  if (now - previous.rotatedAt > REFRESH_GRACE_MS) return replay("outside_grace");
  return { state: { ...state, previous: { ...previous, grace: "claimed" } }, verdict: { kind: "grace" } };
}

/**
 * The ledger after the provider issued `child` for `parent` (undefined for the code exchange that
 * opened the grant). A `replay` here means the provider accepted a use the ledger could not refuse
 * in time (racing requests): the ledger is closed and the caller revokes.
 */
export function recordIssue(
  state: LedgerState,
  parent: string | undefined,
  child: string,
  now: number,
): { state: LedgerState; replay?: ReplayReason } {
  if (parent === undefined) return { state: { ...state, current: child } };
  const replay = (reason: ReplayReason) => ({ state: { ...state, revokedAt: now }, replay: reason });
  if (state.revokedAt !== undefined) return { state, replay: "second_use" };
  // Rotated out while this request was with the provider (another use won the race).
  const rotatedOut = state.retired.find((t) => t.hash === parent);
  if (rotatedOut) return replay(rotatedOut.why === "rotated" ? "successor_used" : "superseded");
  const previous = state.previous;
  if (previous?.hash === parent) {
    // A retry of the previous token (the grace, or two racing uses of the current one, which the
    // ledger could not tell apart in time): the successor it replaces is superseded, and this was
    // the one forgiven use. A second one the provider let through is a replay.
    if (previous.grace === "issued") return replay("second_use");
    const superseded = state.current === undefined ? state.retired : retire(state.retired, { hash: state.current, why: "superseded" });
    return { state: { ...state, retired: superseded, current: child, previous: { ...previous, grace: "issued" } } };
  }
  // An ordinary rotation: the previous token is now two steps old and dies for good.
  const retired = previous === undefined ? state.retired : retire(state.retired, { hash: previous.hash, why: "rotated" });
  return { state: { ...state, retired, current: child, previous: { hash: parent, rotatedAt: now, grace: "unused" } } };
}
