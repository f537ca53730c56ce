// Tokens: one per lifetime, shared by concurrent callers, replaced once when Secret Server rejects
// it, and never accepted from an answer that is not a token. Password and Platform modes.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient } from "../../../src/secret-server";
import { rejection, standIn } from "./stand-in";

const ss = standIn("client-tokens");

beforeEach(async () => {
  await ss.reset();
});

describe("token cache", () => {
  it("requests one token for many reads", async () => {
    const client = createSecretServerClient(ss.password);
    for (let i = 0; i < 5; i++) await client.readField({ id: 12 }, "password");
    const stats = await ss.stats();
    expect(stats.tokenRequests).toBe(1);
    expect(stats.secretReads).toBe(5);
  });

  it("shares one token request among concurrent first callers", async () => {
    await ss.faults({ latencyMs: 100 });
    const client = createSecretServerClient(ss.password);
    const values = await Promise.all(Array.from({ length: 6 }, () => client.readField({ id: 12 }, "password")));
    expect(new Set(values).size).toBe(1);
    expect((await ss.stats()).tokenRequests).toBe(1);
  });

  it("requests a new token once the old one is about to expire", async () => {
    await ss.faults({ tokenLifetimeSeconds: 600 });
    let clock = 1_000_000;
    const client = createSecretServerClient(ss.password, { now: () => clock });
    await client.getSecret({ id: 12 });
    clock += 500_000; // within the lifetime, before the early-refresh margin
    await client.getSecret({ id: 12 });
    expect((await ss.stats()).tokenRequests).toBe(1);
    clock += 50_000; // 550 s: inside the last minute of a 600 s token
    await client.getSecret({ id: 12 });
    expect((await ss.stats()).tokenRequests).toBe(2);
  });

  it("replaces a token Secret Server rejects with 401, once, and carries on", async () => {
    const client = createSecretServerClient(ss.password);
    await client.getSecret({ id: 12 });
    await ss.faults({ expireTokens: true });
    expect(await client.readField({ id: 12 }, "password")).toBe("sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc");
    expect((await ss.stats()).tokenRequests).toBe(2);
  });

  it("treats the documented 403 'Authentication failed' like a 401", async () => {
    const client = createSecretServerClient(ss.password);
    await client.getSecret({ id: 12 });
    await ss.faults({ faults: [{ kind: "auth-failed", path: "/api/v1/secrets/12" }] });
    expect((await client.getSecret({ id: 12 })).name).toBe("stripe");
    expect((await ss.stats()).tokenRequests).toBe(2);
  });

  it("gives up with UPSTREAM_UNAVAILABLE when a fresh token is rejected too", async () => {
    await ss.faults({ faults: [{ kind: "status", status: 401, count: 2, path: "/api/v1/" }] });
    const err = await rejection(createSecretServerClient(ss.password).getSecret({ id: 12 }));
    expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await ss.stats()).tokenRequests).toBe(2);
  });
});

describe("token endpoint failures", () => {
  it("reports refused app-account credentials as CONFIG_INVALID", async () => {
    const client = createSecretServerClient({ ...ss.password, password: "wrong-password" } as typeof ss.password);
    const err = await rejection(client.getSecret({ id: 12 }));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.detail).toBe("token request refused: 400 invalid_grant");
  });

  it("never takes a 200 HTML page for a token", async () => {
    await ss.faults({ faults: [{ kind: "html", path: "/oauth2/token" }] });
    const err = await rejection(createSecretServerClient(ss.password).getSecret({ id: 12 }));
    expect(err.code).toBe("UPSTREAM_BAD_RESPONSE");
    expect((await ss.stats()).secretReads).toBe(0);
  });
});

describe("Delinea Platform mode", () => {
  it("gets a client-credentials token, finds the default vault, and reads with the same token", async () => {
    const client = createSecretServerClient(ss.platform);
    expect(await client.readField({ path: "db/prod" }, "username")).toBe("app_prod");
    expect(await client.readField({ id: 11 }, "password")).toBe("Pr0d-db-S3cret!");
    expect((await ss.stats()).tokenRequests).toBe(1);
  });

  it("refuses a wrong client secret as CONFIG_INVALID", async () => {
    const client = createSecretServerClient({ ...ss.platform, clientSecret: "nope" } as typeof ss.platform);
    expect((await rejection(client.getSecret({ id: 11 }))).code).toBe("CONFIG_INVALID");
  });
});
