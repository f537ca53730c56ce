// `emails` rules trust only an address the IdP vouched for (`email_verified: true`), unless
// OIDC_EMAIL_VERIFIED_ASSUMED=true says the IdP verifies every address. The test policy gives
// dev@corp.example db/** by email alone (its groups name nothing there), so what whoami and a
// ticket request answer shows which way the sign-in went.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { resolveIdentity } from "../../../src/auth/oidc/identity-claims";
import { loadConfig } from "../../../src/config";
import { callTool } from "../mcp/json-rpc";
import { accessTokenFor, Browser, exchangeCode, pkcePair, registerClient, signInAndApprove, type IdpChoice, type Tokens } from "./sign-in-driver";

const BY_EMAIL_ONLY = ["db/**", "Payments/**", "Certs/**", "Ops/**"];

async function allowedPaths(accessToken: string): Promise<string[]> {
  const answer = await callTool(accessToken, "whoami");
  return answer.message!.result.structuredContent.allowed.paths;
}

/** The whole sign-in against the Worker started with `settings` on top of the test settings. */
async function accessTokenWith(settings: Record<string, string>, choice: IdpChoice): Promise<string> {
  const { default: worker } = await import("../../../src/index");
  const changed = { ...env, ...settings } as unknown as Env;
  const browser = new Browser((request) => worker.fetch(request as Parameters<typeof worker.fetch>[0], changed, createExecutionContext()));
  const clientId = await registerClient();
  const { verifier, challenge } = await pkcePair();
  const back = await signInAndApprove(browser, clientId, challenge, choice);
  return ((await (await exchangeCode(back, clientId, verifier)).json()) as Tokens).access_token;
}

describe("email_verified and emails rules", () => {
  it("trusts an address the IdP says it verified", async () => {
    const { access_token } = await accessTokenFor();
    expect(await allowedPaths(access_token)).toEqual(BY_EMAIL_ONLY);
  });

  it("lets a user whose IdP says nothing about the address sign in, but no emails rule names them", async () => {
    const { access_token } = await accessTokenFor({ scenario: "email_verified_missing" });
    const whoami = await callTool(access_token, "whoami");
    expect(whoami.message!.result.structuredContent).toMatchObject({ email: "dev@corp.example", allowed: { paths: [], ids: [] } });

    const ticket = await callTool(access_token, "get_secret_environment_variable", { secret_path: "db/prod", shell: "bash" });
    expect(ticket.message!.result.isError).toBe(true);
    expect(ticket.message!.result.content[0].text).not.toContain("cct_");
  });

  it("trusts a missing claim when OIDC_EMAIL_VERIFIED_ASSUMED=true", async () => {
    const token = await accessTokenWith({ OIDC_EMAIL_VERIFIED_ASSUMED: "true" }, { scenario: "email_verified_missing" });
    expect(await allowedPaths(token)).toEqual(BY_EMAIL_ONLY);
  });

  it("never trusts an address the IdP marks unverified, whatever OIDC_EMAIL_VERIFIED_ASSUMED says", async () => {
    await expect(accessTokenWith({ OIDC_EMAIL_VERIFIED_ASSUMED: "true" }, { scenario: "email_unverified" })).rejects.toThrow("sign-in ended with 400");
  });
});

describe("resolveIdentity", () => {
  const claims = { sub: "u-1", email: "u@corp.example", groups: ["g"] };
  const resolve = (idToken: Record<string, unknown>, emailVerifiedAssumed: boolean) =>
    resolveIdentity({ idToken: { ...claims, ...idToken }, groupsClaim: "groups", userinfoEndpoint: undefined, accessToken: undefined, emailVerifiedAssumed });

  it.each([
    [{ email_verified: true }, false, true],
    [{ email_verified: "true" }, false, true],
    [{}, false, false],
    [{}, true, true],
    [{ email_verified: "yes" }, false, false],
    [{ email_verified: "yes" }, true, false],
    [{ email_verified: 1 }, true, false],
  ])("%o with assumed=%s: emailVerified is %s", async (idToken, assumed, verified) => {
    expect((await resolve(idToken, assumed)).emailVerified).toBe(verified);
  });

  it.each([false, "false"])("refuses email_verified=%o", async (value) => {
    await expect(resolve({ email_verified: value }, true)).rejects.toMatchObject({ code: "SIGN_IN_FAILED", detail: "email_unverified" });
  });
});

describe("OIDC_EMAIL_VERIFIED_ASSUMED", () => {
  it("is false unless set to true", () => {
    expect(loadConfig(env).oidc.emailVerifiedAssumed).toBe(false);
    expect(loadConfig({ ...env, OIDC_EMAIL_VERIFIED_ASSUMED: "true" }).oidc.emailVerifiedAssumed).toBe(true);
    expect(loadConfig({ ...env, OIDC_EMAIL_VERIFIED_ASSUMED: "false" }).oidc.emailVerifiedAssumed).toBe(false);
  });

  it("refuses anything but true or false, naming the setting", () => {
    expect(() => loadConfig({ ...env, OIDC_EMAIL_VERIFIED_ASSUMED: "yes" })).toThrow(/OIDC_EMAIL_VERIFIED_ASSUMED: must be true or false/);
  });
});
