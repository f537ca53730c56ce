// Secret Server misbehaving: rate limits, outages, hangs, garbage. The client retries what may
// pass, gives up with a typed error otherwise, and never lets an upstream body or value through.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient } from "../../../src/secret-server";
import { rejection, standIn } from "./stand-in";

const ss = standIn("client-faults");
const SECRETS = "/api/v1/secrets";

beforeEach(async () => {
  await ss.reset();
});

describe("retries", () => {
  it("waits out a 429's Retry-After and then succeeds", async () => {
    await ss.faults({ faults: [{ kind: "status", status: 429, retryAfter: 1, path: SECRETS }] });
    const started = Date.now();
    expect(await createSecretServerClient(ss.password).readField({ id: 12 }, "password")).toMatch(/^sk_live_/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("answers RATE_LIMITED with the retry delay when Secret Server keeps saying 429", async () => {
    await ss.faults({ faults: [{ kind: "status", status: 429, retryAfter: 0, count: 3, path: SECRETS }] });
    const err = await rejection(createSecretServerClient(ss.password, { maxRetries: 2 }).getSecret({ id: 12 }));
    expect([err.code, err.retryAfter]).toEqual(["RATE_LIMITED", 0]);
  });

  it("does not sit through a Retry-After longer than a redemption can wait", async () => {
    await ss.faults({ faults: [{ kind: "status", status: 429, retryAfter: 120, path: SECRETS }] });
    const started = Date.now();
    const err = await rejection(createSecretServerClient(ss.password).getSecret({ id: 12 }));
    expect([err.code, err.retryAfter]).toEqual(["RATE_LIMITED", 120]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("retries a burst of 502/503/504 and then succeeds", async () => {
    await ss.faults({
      faults: [
        { kind: "status", status: 503, path: SECRETS },
        { kind: "status", status: 502, path: SECRETS },
      ],
    });
    expect((await createSecretServerClient(ss.password).getSecret({ id: 12 })).name).toBe("stripe");
  });

  it("does not retry a 500, and answers UPSTREAM_UNAVAILABLE", async () => {
    await ss.faults({ faults: [{ kind: "status", status: 500, count: 3, path: SECRETS }] });
    const err = await rejection(createSecretServerClient(ss.password).getSecret({ id: 12 }));
    expect([err.code, err.detail]).toEqual(["UPSTREAM_UNAVAILABLE", "Secret Server answered 500"]);
    expect((await ss.stats()).requests).toBe(2); // the token request and one secret request
  });

  it("times out a hung request, retries, and answers UPSTREAM_UNAVAILABLE in bounded time", async () => {
    await ss.faults({ faults: [{ kind: "hang", count: 2, path: SECRETS }] });
    const started = Date.now();
    const client = createSecretServerClient(ss.password, { timeoutMs: 300, maxRetries: 1 });
    const err = await rejection(client.getSecret({ id: 12 }));
    expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(err.detail).toBe("no answer within 300 ms after 2 attempts");
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("answers that are not answers", () => {
  it("refuses malformed JSON", async () => {
    await ss.faults({ faults: [{ kind: "malformed-json", path: SECRETS }] });
    const err = await rejection(createSecretServerClient(ss.password).getSecret({ id: 12 }));
    expect([err.code, err.detail]).toEqual(["UPSTREAM_BAD_RESPONSE", "secret summary: malformed JSON"]);
  });

  it("refuses a huge body without reading all of it", async () => {
    await ss.faults({ faults: [{ kind: "huge-body", path: SECRETS }] });
    const err = await rejection(createSecretServerClient(ss.password).readField({ id: 12 }, "password"));
    expect(err.code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(err.detail).toMatch(/^answer larger than \d+ bytes$/);
  });

  it("refuses a 200 HTML page where a field value should be", async () => {
    await ss.faults({ faults: [{ kind: "html", path: `${SECRETS}/12/restricted` }] });
    const err = await rejection(createSecretServerClient(ss.password).readField({ id: 12 }, "password"));
    expect(err.code).toBe("UPSTREAM_BAD_RESPONSE");
  });
});

describe("nothing leaks into errors", () => {
  it("keeps every seeded value and credential out of every error's message, detail and JSON", async () => {
    const client = createSecretServerClient(ss.password, { timeoutMs: 300, maxRetries: 0 });
    const failures: Array<[Record<string, unknown>, () => Promise<unknown>]> = [
      // 500s echo the secret's password in exceptionMessage, as a stack trace might.
      [{ faults: [{ kind: "status", status: 500, path: `${SECRETS}/16` }] }, () => client.readField({ id: 16 }, "password")],
      [{ faults: [{ kind: "status", status: 500, path: `${SECRETS}/13` }] }, () => client.getSecret({ id: 13 })],
      [{ faults: [{ kind: "status", status: 500, path: "/api/v1/secret-templates" }] }, () => client.getSecret({ id: 16 })],
      [{ faults: [{ kind: "malformed-json", path: "/api/v1/secret-templates" }] }, () => client.search("tricky")],
      [{ faults: [{ kind: "status", status: 503, path: SECRETS }] }, () => client.readField({ id: 11 }, "password")],
      [{ faults: [{ kind: "malformed-json", path: SECRETS }] }, () => client.getSecret({ id: 11 })],
      [{ faults: [{ kind: "html", path: `${SECRETS}/15/restricted` }] }, () => client.readField({ id: 15 }, "host")],
      [{ faults: [{ kind: "hang", path: SECRETS }] }, () => client.getSecret({ id: 16 })],
      [{}, () => client.readField({ id: 13 }, "password")],
      [{}, () => client.readField({ id: 17 }, "password")],
      [{}, () => client.readField({ id: 18 }, "password")],
      [{}, () => createSecretServerClient({ ...ss.password, password: "wrong" } as typeof ss.password).getSecret({ id: 11 })],
    ];
    const seen: string[] = [];
    for (const [faults, call] of failures) {
      await ss.reset();
      await ss.faults(faults);
      const err = await rejection(call());
      seen.push(err.message, err.detail ?? "", JSON.stringify(err), String(err.stack));
    }
    const output = seen.join("\n");
    expect(output).toContain("Secret Server answered 500"); // the failures really happened
    for (const value of await ss.secretsInSeed()) {
      expect(output.includes(value), `a seeded value leaked: ${value.slice(0, 3)}…`).toBe(false);
    }
  });
});
