// The OpenID provider as claimcheck configures and discovers it: OIDC_* settings, discovery that
// must name the configured issuer, and the token request in both client authentication styles.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { userIdFor } from "../../../src/auth/identity";
import { clientAuthMethod, discoverProvider } from "../../../src/auth/oidc/discovery";
import { exchangeCode } from "../../../src/auth/oidc/token-exchange";
import { loadConfig } from "../../../src/config";
import { ClaimcheckError } from "../../../src/errors";
import { pkcePair, PUBLIC_URL } from "./sign-in-driver";

const settings = loadConfig(env).oidc;

function configWith(overrides: Record<string, string | undefined>) {
  return loadConfig({ ...env, ...overrides });
}

describe("OIDC settings", () => {
  it("defaults the scopes and the groups claim", () => {
    expect(settings.scopes).toEqual(["openid", "email", "profile"]);
    expect(settings.groupsClaim).toBe("groups");
  });

  it("reads custom scopes and groups claim", () => {
    const oidc = configWith({ OIDC_SCOPES: "openid email groups", OIDC_GROUPS_CLAIM: "https://corp.example/groups" }).oidc;
    expect(oidc.scopes).toEqual(["openid", "email", "groups"]);
    expect(oidc.groupsClaim).toBe("https://corp.example/groups");
  });

  it.each([
    ["OIDC_ISSUER", "http://idp.example", "OIDC_ISSUER: must be https"],
    ["OIDC_ISSUER", "https://idp.example/?tenant=1", "OIDC_ISSUER: must not have a query"],
    ["OIDC_SCOPES", "email profile", "OIDC_SCOPES: must include openid"],
    ["OIDC_CLIENT_ID", undefined, "OIDC_CLIENT_ID: missing"],
    ["OIDC_CLIENT_SECRET", "", "OIDC_CLIENT_SECRET"],
  ])("refuses %s=%s, naming the setting and never its value", (name, value, message) => {
    const err = (() => {
      try {
        configWith({ [name]: value });
      } catch (e) {
        return e as ClaimcheckError;
      }
      throw new Error("accepted");
    })();
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.detail).toContain(message);
    expect(err.detail).not.toContain(settings.clientSecret);
  });
});

describe("discovery", () => {
  it("reads the configured issuer's endpoints", async () => {
    const provider = await discoverProvider(settings.issuer);
    expect(provider.issuer).toBe(settings.issuer);
    expect(provider.jwks_uri).toBe(`${settings.issuer}/jwks`);
    expect(clientAuthMethod(provider)).toBe("client_secret_basic");
  });

  it("refuses a document that names another issuer", async () => {
    const err = await discoverProvider(`${settings.issuer}/liar`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SIGN_IN_FAILED", detail: "discovery_issuer_mismatch" });
  });

  it("reports an unreachable IdP as unavailable", async () => {
    const err = await discoverProvider("http://127.0.0.1:9").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "IDP_UNAVAILABLE", detail: "discovery_unreachable" });
  });

  it("reports a missing document without echoing the IdP's body", async () => {
    const err = await discoverProvider(`${settings.issuer}/nowhere`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "SIGN_IN_FAILED", detail: "discovery_status_404" });
  });
});

describe("code exchange", () => {
  it("authenticates with client_secret_post when that is all the IdP supports", async () => {
    const issuer = `${settings.issuer}/post`;
    const provider = await discoverProvider(issuer);
    expect(clientAuthMethod(provider)).toBe("client_secret_post");
    const { verifier, challenge } = await pkcePair();
    const authorize = new URL(provider.authorization_endpoint);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: settings.clientId,
      redirect_uri: `${PUBLIC_URL}/callback`,
      scope: "openid",
      state: "s",
      nonce: "n",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const code = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("Location")!).searchParams.get("code")!;
    const tokens = await exchangeCode(provider, { ...settings, issuer }, { code, codeVerifier: verifier, redirectUri: `${PUBLIC_URL}/callback` });
    expect(tokens.id_token.split(".")).toHaveLength(3);
  });
});

describe("user ids", () => {
  it("are free of ':' and personal data, stable, and distinct per issuer", async () => {
    const id = await userIdFor("https://idp.example", "tenant:user@corp.example");
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await userIdFor("https://idp.example", "tenant:user@corp.example")).toBe(id);
    expect(await userIdFor("https://other.example", "tenant:user@corp.example")).not.toBe(id);
  });
});
