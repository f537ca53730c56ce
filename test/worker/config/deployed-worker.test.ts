// A deployed Worker refuses what only makes sense on this machine or was never filled in: a
// loopback PUBLIC_URL (unless CLAIMCHECK_LOCAL=true says this is a local run, as the local stack and
// wrangler dev set it) and any `change-me` placeholder, naming the setting, never its value.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { ClaimcheckError } from "../../../src/errors";

const deployed = env as unknown as Record<string, unknown>;

function failure(settings: Record<string, unknown>): ClaimcheckError {
  try {
    loadConfig(settings);
  } catch (err) {
    if (err instanceof ClaimcheckError) return err;
    throw err;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("a loopback PUBLIC_URL", () => {
  it.each(["http://127.0.0.1:8787", "http://localhost:8787", "https://localhost", "https://127.0.0.2:8443", "http://[::1]:8787", "https://claimcheck.localhost"])(
    "%s is refused on a deployed Worker, naming PUBLIC_URL",
    (url) => {
      const err = failure({ ...deployed, PUBLIC_URL: url });
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.message).toContain("PUBLIC_URL: is a loopback address on a deployed Worker");
      expect(err.message).not.toContain(url);
    },
  );

  it("is fine on a local run (CLAIMCHECK_LOCAL=true)", () => {
    expect(loadConfig({ ...deployed, PUBLIC_URL: "http://127.0.0.1:8787", CLAIMCHECK_LOCAL: "true" }).publicUrl).toBe("http://127.0.0.1:8787");
  });

  it("is what every request is answered with", async () => {
    const { default: worker } = await import("../../../src/index");
    const broken = { ...deployed, PUBLIC_URL: "http://127.0.0.1:8787" } as unknown as Env;
    const answer = await worker.fetch(new Request("http://127.0.0.1:8787/health"), broken, createExecutionContext());
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ error: "CONFIG_INVALID", message: expect.stringContaining("PUBLIC_URL") });
  });

  it("CLAIMCHECK_LOCAL is true or false, nothing else", () => {
    expect(failure({ ...deployed, CLAIMCHECK_LOCAL: "yes" }).message).toContain("CLAIMCHECK_LOCAL: must be true or false");
  });
});

describe("a placeholder left in a setting", () => {
  it.each([
    ["OIDC_CLIENT_SECRET", "change-me"],
    ["SECRET_SERVER_PASSWORD", "CHANGE_ME"],
    ["SECRET_SERVER_USERNAME", "changeme"],
    ["PUBLIC_URL", "https://change-me.example"],
    ["OIDC_ISSUER", "https://change-me.example"],
  ])("%s=%s is refused, naming the setting", (name, value) => {
    const err = failure({ ...deployed, [name]: value });
    expect(err.message).toContain(`${name}: still holds a placeholder`);
  });

  it("is refused on a local run too (it can never be a real value)", () => {
    expect(failure({ ...deployed, CLAIMCHECK_LOCAL: "true", OIDC_CLIENT_SECRET: "change-me" }).message).toContain("OIDC_CLIENT_SECRET");
  });

  it("names every one at once, and never shows a value", () => {
    const err = failure({ ...deployed, OIDC_CLIENT_SECRET: "my-change-me-secret", SECRET_SERVER_PASSWORD: "pw-changeme-1" });
    expect(err.message).toContain("OIDC_CLIENT_SECRET");
    expect(err.message).toContain("SECRET_SERVER_PASSWORD");
    expect(err.message).not.toContain("my-change-me-secret");
    expect(err.message).not.toContain("pw-changeme-1");
  });
});
