// The refresh-token ledger of one OAuth grant: which of its refresh tokens were rotated out (their
// SHA-256 only), whether the one grace retry is spent, and whose grant it is (for the audit). One
// object per grant, so every decision about a grant is serialised: each method reads, decides
// (refresh-reuse.ts) and writes with the synchronous storage API and no await in between, and a
// Durable Object runs one event at a time. KV could not promise that two racing uses of one token
// are told apart.
//
// The grant's refresh tokens live at most REFRESH_TOKEN_TTL_SECONDS from sign-in (fixed, not
// sliding), so the ledger is deleted by its alarm a little after that.
import { DurableObject } from "cloudflare:workers";
import { REFRESH_TOKEN_TTL_SECONDS } from "../front-door";
import { EMPTY_LEDGER, presentToken, recordIssue, type GrantOwner, type LedgerState, type ReplayReason, type Verdict } from "./refresh-reuse";

/** A grant's refresh tokens stop working REFRESH_TOKEN_TTL_SECONDS after sign-in; the ledger outlives them by an hour. */
const LEDGER_LIFETIME_MS = REFRESH_TOKEN_TTL_SECONDS * 1000 + 60 * 60 * 1000;

const STATE_KEY = "ledger";

export class RefreshLedger extends DurableObject<Env> {
  /** What presenting this token means; a spent grace or a replay is written before this returns. */
  async present(hash: string): Promise<{ verdict: Verdict; owner?: GrantOwner | undefined }> {
    const before = this.read();
    const { state, verdict } = presentToken(before, hash, Date.now());
    if (state !== before) this.ctx.storage.kv.put(STATE_KEY, state);
    return { verdict, owner: state.owner };
  }

  /** Records that the provider issued `child` for `parent` (null: the code exchange that opened the grant). */
  async issued(parent: string | null, child: string, owner: GrantOwner | undefined): Promise<{ replay?: ReplayReason; owner?: GrantOwner | undefined }> {
    const before = this.read();
    const { state, replay } = recordIssue({ ...before, owner: before.owner ?? owner }, parent ?? undefined, child, Date.now());
    this.ctx.storage.kv.put(STATE_KEY, state);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + LEDGER_LIFETIME_MS);
    return { ...(replay !== undefined && { replay }), owner: state.owner };
  }

  /** The whole ledger, for tests. */
  async snapshot(): Promise<LedgerState> {
    return this.read();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private read(): LedgerState {
    return this.ctx.storage.kv.get<LedgerState>(STATE_KEY) ?? EMPTY_LEDGER;
  }
}
