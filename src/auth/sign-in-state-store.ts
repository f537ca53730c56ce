// Holds one short-lived, single-use record of the sign-in flow: the state of one SSO redirect or
// one consent page. Each record has its own object, named by the hash of its handle, so `take` is
// atomic: it reads and deletes the record with the synchronous storage API, with no await in
// between, and a Durable Object runs one event at a time. (An earlier version awaited the async
// API between the read and the delete; under load two of twenty racing takes both got the record.)
// Workers KV could not promise this at all (no compare-and-set). The alarm removes records nobody
// came back for.
import { DurableObject } from "cloudflare:workers";

type Entry = { record: unknown; expiresAt: number };

const ENTRY_KEY = "entry";

export class SignInStateStore extends DurableObject<Env> {
  async hold(record: unknown, expiresAt: number): Promise<void> {
    this.ctx.storage.kv.put(ENTRY_KEY, { record, expiresAt } satisfies Entry);
    await this.ctx.storage.setAlarm(expiresAt);
  }

  /** The record, once: later calls, and calls after expiry, get null. */
  async take(): Promise<unknown> {
    const entry = this.ctx.storage.kv.get<Entry>(ENTRY_KEY);
    if (!entry) return null;
    this.ctx.storage.kv.delete(ENTRY_KEY); // same turn as the read: no other take runs between
    await this.ctx.storage.deleteAlarm();
    return entry.expiresAt > Date.now() ? entry.record : null;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
