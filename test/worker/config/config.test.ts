import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { ClaimcheckError } from "../../../src/errors";

const valid = env as unknown as Record<string, unknown>;

function failure(settings: Record<string, unknown>): ClaimcheckError {
  try {
    loadConfig(settings);
  } catch (err) {
    if (err instanceof ClaimcheckError) return err;
    throw err;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("settings", () => {
  it("parses the test settings", () => {
    const config = loadConfig(valid);
    expect(config.publicUrl).toBe("https://claimcheck.test");
    expect(config.ticketTtlSeconds).toBe(120);
    expect(config.secretServer.mode).toBe("password");
  });

  it("names every missing or malformed setting, never its value", () => {
    const err = failure({ ...valid, PUBLIC_URL: undefined, OIDC_CLIENT_SECRET: undefined, TICKET_TTL_SECONDS: "99999", ACCESS_POLICY: "[{not json" });
    expect(err.code).toBe("CONFIG_INVALID");
    for (const name of ["PUBLIC_URL", "OIDC_CLIENT_SECRET", "TICKET_TTL_SECONDS", "ACCESS_POLICY"]) expect(err.message).toContain(name);
    expect(err.message).not.toContain("99999");
    expect(err.message).not.toContain("not json");
  });

  it("names a missing Secret Server password without showing the other credentials", () => {
    const err = failure({ ...valid, SECRET_SERVER_PASSWORD: undefined });
    expect(err.message).toContain("SECRET_SERVER_PASSWORD");
    expect(err.message).not.toContain(String(valid.SECRET_SERVER_USERNAME));
  });

  it("accepts plain http only on loopback", () => {
    expect(failure({ ...valid, SECRET_SERVER_URL: "http://ss.corp.example" }).message).toContain("SECRET_SERVER_URL");
    expect(failure({ ...valid, OIDC_ISSUER: "http://login.example.com" }).message).toContain("OIDC_ISSUER");
    expect(loadConfig({ ...valid, SECRET_SERVER_URL: "http://127.0.0.1:1/SecretServer" }).secretServer).toMatchObject({ url: "http://127.0.0.1:1/SecretServer" });
  });

  it("caps the ticket lifetime at 15 minutes and defaults it to 120 s", () => {
    expect(loadConfig({ ...valid, TICKET_TTL_SECONDS: "900" }).ticketTtlSeconds).toBe(900);
    expect(failure({ ...valid, TICKET_TTL_SECONDS: "901" }).message).toContain("TICKET_TTL_SECONDS");
    expect(loadConfig({ ...valid, TICKET_TTL_SECONDS: undefined }).ticketTtlSeconds).toBe(120);
  });

  it("answers every request with the named problem when a setting is wrong", async () => {
    const res = await exports.default.fetch("https://claimcheck.test/redeem", { method: "POST" });
    expect(res.status).not.toBe(500); // the test settings are valid: this guards the next check's meaning
    const broken = { ...valid, OIDC_ISSUER: "not a url" };
    const { default: worker } = await import("../../../src/index");
    const answer = await worker.fetch(new Request("https://claimcheck.test/health"), broken as unknown as Env, createExecutionContext());
    expect(answer.status).toBe(500);
    expect(await answer.json()).toMatchObject({ error: "CONFIG_INVALID", message: expect.stringContaining("OIDC_ISSUER") });
  });
});
