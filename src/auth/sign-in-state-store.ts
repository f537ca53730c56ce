// Holds one short-lived, single-use record of the sign-in flow: the state of one SSO redirect or
// one consent page. Each record has its own object, named by the hash of its handle, so `take` is
// atomic: a Durable Object handles one event at a time and the record is deleted in the same turn
// it is read. KV cannot promise that (no compare-and-set): two callbacks racing with one `state`
// could both pass. The alarm removes records nobody came back for.
import { DurableObject } from "cloudflare:workers";

type Entry = { record: unknown; expiresAt: number };

const ENTRY_KEY = "entry";

export class SignInStateStore extends DurableObject<Env> {
  async hold(record: unknown, expiresAt: number): Promise<void> {
    await this.ctx.storage.put(ENTRY_KEY, { record, expiresAt } satisfies Entry);
    await this.ctx.storage.setAlarm(expiresAt);
  }

  /** The record, once: later calls, and calls after expiry, get null. */
  async take(): Promise<unknown> {
    const entry = await this.ctx.storage.get<Entry>(ENTRY_KEY);
    if (!entry) return null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return entry.expiresAt > Date.now() ? entry.record : null;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
