import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// The JtiReplayStore alone: first use wins, once, even under a race; entries are forgotten by the
// alarm once the token could no longer verify, and the alarm is safe to run twice.
function freshStore() {
  return env.JTI_REPLAY.get(env.JTI_REPLAY.idFromName(`issuer-${crypto.randomUUID()}`));
}

const IN_A_MINUTE = () => Date.now() + 60_000;

describe("JtiReplayStore", () => {
  it("accepts a token's first use and refuses the second", async () => {
    const store = freshStore();
    expect(await store.use("hash-a", IN_A_MINUTE())).toBe(true);
    expect(await store.use("hash-a", IN_A_MINUTE())).toBe(false);
    expect(await store.use("hash-b", IN_A_MINUTE())).toBe(true);
  });

  it("lets exactly one of many racing uses of one token win", async () => {
    const store = freshStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.use("raced", IN_A_MINUTE())));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("keeps stores of different issuers apart", async () => {
    expect(await freshStore().use("same-jti-hash", IN_A_MINUTE())).toBe(true);
    expect(await freshStore().use("same-jti-hash", IN_A_MINUTE())).toBe(true);
  });

  it("arms its alarm for the earliest entry and forgets what is due", async () => {
    const store = freshStore();
    const soon = Date.now() + 10_000;
    await store.use("soon", soon);
    await store.use("later", Date.now() + 3_600_000);
    expect(await runInDurableObject(store, (_i, state) => state.storage.getAlarm())).toBe(soon);

    // Time passes for the first entry; the alarm armed for it runs now rather than in ten seconds.
    await runInDurableObject(store, (_i, state) => {
      state.storage.sql.exec("UPDATE used_tokens SET forget_at = ? WHERE jti_hash = 'soon'", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(store)).toBe(true);
    expect(await store.size()).toBe(1);
    // At-least-once: a second run finds nothing due and changes nothing.
    await runInDurableObject(store, (instance) => instance.alarm());
    expect(await store.size()).toBe(1);
    expect(await runInDurableObject(store, (_i, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it("refuses a remembered token even when the alarm runs late", async () => {
    const store = freshStore();
    expect(await store.use("late", IN_A_MINUTE())).toBe(true);
    await runInDurableObject(store, (_i, state) => state.storage.deleteAlarm());
    expect(await store.use("late", IN_A_MINUTE())).toBe(false);
  });

  it("clears its alarm when nothing is left", async () => {
    const store = freshStore();
    await store.use("gone", Date.now() + 10_000);
    await runInDurableObject(store, (_i, state) => state.storage.sql.exec("UPDATE used_tokens SET forget_at = ?", Date.now() - 1));
    await runInDurableObject(store, (instance) => instance.alarm());
    expect(await store.size()).toBe(0);
    expect(await runInDurableObject(store, (_i, state) => state.storage.getAlarm())).toBeNull();
  });
});
