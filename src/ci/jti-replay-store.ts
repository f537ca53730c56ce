// Remembers which CI tokens were used, so each redeems once. One store per trusted issuer (a `jti`
// is unique per issuer), keyed by SHA-256 of the `jti`, each entry kept until the token could no
// longer pass verification anyway (its expiry or maximum age, plus leeway).
//
// `use` reads and writes SQLite with no await in between, and a Durable Object runs one event at a
// time, so two requests racing with one token can never both be first: KV could not promise that.
// Alarms are at-least-once and may run late, so `use` checks the time itself; the alarm only cleans.
import { DurableObject } from "cloudflare:workers";

type Row = { jti_hash: string; forget_at: number };

export class JtiReplayStore extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS used_tokens (
      jti_hash TEXT PRIMARY KEY,
      forget_at INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS used_tokens_forget_at ON used_tokens (forget_at)");
  }

  /** Records the token's use; false when it was used before and is still remembered. */
  async use(jtiHash: string, forgetAt: number): Promise<boolean> {
    const seen = this.sql.exec<Row>("SELECT * FROM used_tokens WHERE jti_hash = ?", jtiHash).toArray()[0];
    if (seen && seen.forget_at > Date.now()) return false;
    this.sql.exec(
      "INSERT INTO used_tokens (jti_hash, forget_at) VALUES (?, ?) ON CONFLICT (jti_hash) DO UPDATE SET forget_at = excluded.forget_at",
      jtiHash,
      forgetAt,
    );
    await this.armAlarm();
    return true;
  }

  /** Number of tokens remembered, for tests. */
  size(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM used_tokens").one().n;
  }

  /** Forgets what is due and re-arms for the next. Idempotent: a second run finds nothing due. */
  override async alarm(): Promise<void> {
    this.sql.exec("DELETE FROM used_tokens WHERE forget_at <= ?", Date.now());
    await this.armAlarm();
  }

  private async armAlarm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>("SELECT min(forget_at) AS at FROM used_tokens").one().at;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    if ((await this.ctx.storage.getAlarm()) !== next) await this.ctx.storage.setAlarm(next);
  }
}
