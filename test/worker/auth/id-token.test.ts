// The ID token checks, against tokens the test IdP really signs (or forges) and serves over HTTP.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { verifyIdToken } from "../../../src/auth/oidc/id-token";
import { ClaimcheckError } from "../../../src/errors";
import { authorizeUrl, Browser, pkcePair, PUBLIC_URL, registerClient, signIn } from "./sign-in-driver";

const { issuer, clientId, clientSecret } = loadConfig(env).oidc;

/** Plays the Worker's side of the IdP dance directly and returns the ID token the IdP hands out. */
async function idTokenFor(scenario: string, nonce: string): Promise<string> {
  const { verifier, challenge } = await pkcePair();
  const authorize = new URL(`${issuer}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: `${PUBLIC_URL}/callback`,
    scope: "openid email",
    state: "s",
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    scenario,
  }).toString();
  const code = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("Location")!).searchParams.get("code")!;
  const res = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { Authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: `${PUBLIC_URL}/callback`, code_verifier: verifier }),
  });
  return ((await res.json()) as { id_token: string }).id_token;
}

const expected = (nonce: string) => ({ issuer, clientId, nonce, jwksUri: `${issuer}/jwks` });

async function rejectionOf(scenario: string): Promise<ClaimcheckError> {
  const token = await idTokenFor(scenario, "the-nonce");
  const err = await verifyIdToken(token, expected("the-nonce")).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ClaimcheckError);
  return err as ClaimcheckError;
}

describe("verifyIdToken", () => {
  it("accepts a token signed by the issuer's key, for us, with our nonce", async () => {
    const claims = await verifyIdToken(await idTokenFor("ok", "n-1"), expected("n-1"));
    expect(claims).toMatchObject({ iss: issuer, aud: clientId, sub: "corp|user:42", email: "dev@corp.example" });
  });

  it.each([
    ["wrong_iss", "id_token_issuer"],
    ["wrong_aud", "id_token_audience"],
    ["two_aud_no_azp", "id_token_authorized_party"],
    ["wrong_nonce", "id_token_nonce"],
    ["expired", "id_token_expired"],
    ["alg_none", "id_token_algorithm"],
    ["hs256", "id_token_algorithm"],
    ["unknown_key_known_kid", "id_token_signature"],
  ])("rejects the %s token as %s", async (scenario, detail) => {
    const err = await rejectionOf(scenario);
    expect(err.code).toBe("SIGN_IN_FAILED");
    expect(err.detail).toBe(detail);
    expect(err.message).toBe("Sign-in could not be completed. Start again from your MCP client.");
  });

  it("names a missing iat as missing, not as issued in the future", async () => {
    const err = await rejectionOf("iat_missing");
    expect(err.code).toBe("SIGN_IN_FAILED");
    expect(err.detail).toBe("id_token_claim_missing:iat");
  });

  it("rejects a valid token presented with another sign-in's nonce", async () => {
    const err = await verifyIdToken(await idTokenFor("ok", "nonce-a"), expected("nonce-b")).catch((e: unknown) => e);
    expect((err as ClaimcheckError).detail).toBe("id_token_nonce");
  });

  it("rejects a token whose signature was tampered with", async () => {
    const [header, payload, signature] = (await idTokenFor("ok", "n-2")).split(".");
    const flipped = signature!.startsWith("A") ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
    const err = await verifyIdToken(`${header}.${payload}.${flipped}`, expected("n-2")).catch((e: unknown) => e);
    expect((err as ClaimcheckError).detail).toBe("id_token_signature");
  });

  it("rejects a token whose claims were edited after signing", async () => {
    const [header, payload, signature] = (await idTokenFor("ok", "n-3")).split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...claims, groups: ["admins"] })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const err = await verifyIdToken(`${header}.${forged}.${signature}`, expected("n-3")).catch((e: unknown) => e);
    expect((err as ClaimcheckError).detail).toBe("id_token_signature");
  });

  it("rejects garbage", async () => {
    const err = await verifyIdToken("not.a.jwt", expected("n")).catch((e: unknown) => e);
    expect((err as ClaimcheckError).detail).toBe("id_token_malformed");
  });
});

describe("a bad ID token at /callback", () => {
  it.each(["wrong_iss", "wrong_aud", "wrong_nonce", "expired", "alg_none", "hs256", "unknown_key_known_kid"])(
    "%s ends the sign-in on an error page, with no code for the client",
    async (scenario) => {
      const res = await signIn(new Browser(), authorizeUrl(await registerClient(), (await pkcePair()).challenge), { scenario });
      expect(res.status).toBe(400);
      expect(res.headers.get("Location")).toBeNull();
      expect(await res.text()).toContain("Sign-in could not be completed.");
    },
  );
});
