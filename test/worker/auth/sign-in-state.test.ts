// The single-use, short-lived records behind `state` and the consent handle.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Base64url } from "../../../src/auth/digest";
import { holdSignInState, PendingSignIn, SIGN_IN_TTL_MS, takeSignInState, type PendingSignIn as Pending } from "../../../src/auth/sign-in-state";

const record: Pending = {
  kind: "sign-in",
  authRequest: { responseType: "code", clientId: "c", redirectUri: "http://127.0.0.1:7777/callback", scope: [], state: "s" },
  codeVerifier: "v".repeat(43),
  nonce: "n".repeat(43),
  browser: "browser-digest",
};

async function stubFor(handle: string) {
  return env.SIGN_IN_STATE.get(env.SIGN_IN_STATE.idFromName(`sign-in:${await sha256Base64url(handle)}`));
}

describe("sign-in state", () => {
  it("gives the record back once", async () => {
    const handle = await holdSignInState(env, record, SIGN_IN_TTL_MS);
    expect(await takeSignInState(env, handle, "browser-digest", PendingSignIn)).toEqual(record);
    await expect(takeSignInState(env, handle, "browser-digest", PendingSignIn)).rejects.toMatchObject({ detail: "state_unknown_used_or_expired" });
  });

  it("lets exactly one of many concurrent takes win", async () => {
    // Rounds, because a race shows only sometimes: with an await between the read and the delete,
    // 2 of 20 takes won once in a full run.
    for (let round = 0; round < 10; round++) {
      const handle = await holdSignInState(env, record, SIGN_IN_TTL_MS);
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => takeSignInState(env, handle, "browser-digest", PendingSignIn)));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    }
  });

  it("refuses an expired record", async () => {
    const handle = await holdSignInState(env, record, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(takeSignInState(env, handle, "browser-digest", PendingSignIn)).rejects.toMatchObject({ code: "SIGN_IN_FAILED" });
  });

  it("is removed by its alarm if nobody comes back", async () => {
    const handle = await holdSignInState(env, record, SIGN_IN_TTL_MS);
    const stub = await stubFor(handle);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.list())).toHaveProperty("size", 0);
  });

  it("stores only the hash of the handle, never the handle", async () => {
    const handle = await holdSignInState(env, record, SIGN_IN_TTL_MS);
    const stored = await runInDurableObject(await stubFor(handle), (_, state) => state.storage.list());
    expect(JSON.stringify([...stored])).not.toContain(handle);
  });

  it("refuses another browser, and burns the record", async () => {
    const handle = await holdSignInState(env, record, SIGN_IN_TTL_MS);
    await expect(takeSignInState(env, handle, "other-browser", PendingSignIn)).rejects.toMatchObject({ detail: "state_other_browser" });
    await expect(takeSignInState(env, handle, "browser-digest", PendingSignIn)).rejects.toMatchObject({ detail: "state_unknown_used_or_expired" });
  });
});
