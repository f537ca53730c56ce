// The local OpenID provider behaves as the Worker's upstream IdP must: discovery, code + S256 PKCE,
// signed ID tokens with email, groups and nonce, a sign-in form that refuses wrong passwords, and
// key rotation.
import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { startOidcProvider } from "../../../dev/oidc-provider/server.ts";
import type { RunningOidcProvider } from "../../../dev/oidc-provider/server.ts";
import { FlowStuckError, HttpBrowser } from "../../../test/e2e/harness/http-browser.ts";
import { loginAndFollow } from "../../../test/e2e/harness/login-and-follow.ts";

// Nothing listens on port 9: the flow must stop at this redirect without following it.
const REDIRECT_URI = "http://127.0.0.1:9/callback";
const CLIENT = { client_id: "claimcheck-test", client_secret: "test-client-secret", redirect_uris: [REDIRECT_URI] };

let idp: RunningOidcProvider;
beforeAll(async () => {
  idp = await startOidcProvider({ clients: [CLIENT] });
});
afterAll(async () => {
  await idp.close();
});

const base64url = (bytes: Buffer) => bytes.toString("base64url");

function authorizationRequest(overrides: Record<string, string | undefined> = {}) {
  const verifier = base64url(randomBytes(32));
  const params: Record<string, string | undefined> = {
    client_id: CLIENT.client_id,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope: "openid email profile groups",
    state: base64url(randomBytes(16)),
    nonce: base64url(randomBytes(16)),
    code_challenge: base64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
    ...overrides,
  };
  const url = new URL("/auth", idp.issuer);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return { url, verifier, state: params.state, nonce: params.nonce };
}

async function redeemCode(code: string, verifier: string): Promise<Response> {
  const basic = Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString("base64");
  return fetch(new URL("/token", idp.issuer), {
    method: "POST",
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
}

async function signIn(username: string, password: string) {
  const request = authorizationRequest();
  const callback = await loginAndFollow(request.url, { username, password });
  const code = callback.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${callback.href}`);
  const res = await redeemCode(code, request.verifier);
  expect(res.status).toBe(200);
  const tokens = (await res.json()) as { id_token: string; access_token: string };
  return { request, callback, tokens };
}

async function verifyIdToken(idToken: string) {
  const jwks = createRemoteJWKSet(new URL("/jwks", idp.issuer));
  const { payload } = await jwtVerify(idToken, jwks, { issuer: idp.issuer, audience: CLIENT.client_id, algorithms: ["RS256"] });
  return payload;
}

describe("discovery", () => {
  it("publishes an issuer on 127.0.0.1 that offers only code flow with S256 PKCE", async () => {
    const res = await fetch(new URL("/.well-known/openid-configuration", idp.issuer));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: `${idp.issuer}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"],
    });
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(["openid", "email", "profile", "groups"]));
    expect(doc.claims_supported).toEqual(expect.arrayContaining(["email", "email_verified", "name", "groups"]));
  });
});

describe("authorization code flow", () => {
  it("signs Alice in and returns a code for the registered redirect URI, with state and iss", async () => {
    const { request, callback } = await signIn("alice@demo.test", DEFAULT_ALICE_PASSWORD);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe(request.state);
    expect(callback.searchParams.get("iss")).toBe(idp.issuer);
  });

  it("issues an ID token that verifies against the JWKS and carries email, groups and the nonce", async () => {
    const { request, tokens } = await signIn("alice@demo.test", DEFAULT_ALICE_PASSWORD);
    const claims = await verifyIdToken(tokens.id_token);
    expect(claims).toMatchObject({
      sub: "demo-alice",
      email: "alice@demo.test",
      email_verified: true,
      name: "Alice Example",
      groups: ["engineering", "db-admins"],
      nonce: request.nonce,
    });
  });

  it("gives Bob his own groups, and userinfo agrees with the ID token", async () => {
    const { tokens } = await signIn("BOB@demo.test", DEFAULT_BOB_PASSWORD);
    expect(await verifyIdToken(tokens.id_token)).toMatchObject({ sub: "demo-bob", groups: ["contractors"] });
    const res = await fetch(new URL("/me", idp.issuer), { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(await res.json()).toMatchObject({ sub: "demo-bob", email: "bob@demo.test", groups: ["contractors"] });
  });

  it("refuses an authorization request without a PKCE challenge", async () => {
    const { url } = authorizationRequest({ code_challenge: undefined, code_challenge_method: undefined });
    const callback = await loginAndFollow(url, { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD });
    expect(callback.searchParams.get("error")).toBe("invalid_request");
    expect(callback.searchParams.get("code")).toBeNull();
  });

  it("refuses to redeem a code with the wrong verifier, and a code twice", async () => {
    const request = authorizationRequest();
    const callback = await loginAndFollow(request.url, { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD });
    const code = callback.searchParams.get("code") ?? "";
    const wrong = await redeemCode(code, base64url(randomBytes(32)));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    expect((await redeemCode(code, request.verifier)).status).toBe(200);
    const replay = await redeemCode(code, request.verifier);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
  });
});

describe("sign-in form", () => {
  it("shows an error and issues no code when the password is wrong", async () => {
    const { url } = authorizationRequest();
    const attempt = loginAndFollow(url, { username: "alice@demo.test", password: "not-her-password" });
    const error = await attempt.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(FlowStuckError);
    const page = (error as FlowStuckError).page;
    expect(page.html).toContain("Wrong email or password.");
    expect(page.html).toContain('value="alice@demo.test"');
    expect(page.html).not.toContain("not-her-password");
    expect(page.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses an unknown email with the same message", async () => {
    const { url } = authorizationRequest();
    const error = await loginAndFollow(url, { username: "mallory@demo.test", password: DEFAULT_ALICE_PASSWORD }).catch(
      (err: unknown) => err,
    );
    expect((error as FlowStuckError).page.html).toContain("Wrong email or password.");
  });

  it("refuses the login form without the interaction cookie that /auth set", async () => {
    const browser = new HttpBrowser();
    const { url } = authorizationRequest();
    const toLogin = await browser.send({ url, method: "GET" });
    const loginUrl = new URL(toLogin.headers.get("location") ?? "", idp.issuer);
    const stranger = await fetch(new URL(`${loginUrl.pathname}/login`, idp.issuer), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }),
      redirect: "manual",
    });
    expect(stranger.status).toBe(400);
    expect(stranger.headers.get("location")).toBeNull();
  });

  it("keeps the session: a second authorization in the same browser needs no password", async () => {
    const browser = new HttpBrowser();
    await loginAndFollow(authorizationRequest().url, { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD, browser });
    const second = await browser.followUntilLeaving(authorizationRequest().url, { handlers: [] });
    expect(second.searchParams.get("code")).not.toBeNull();
  });
});

describe("key rotation", () => {
  it("replaces the key in the JWKS and signs new ID tokens with it, keeping sessions", async () => {
    const kidsOf = async () =>
      ((await (await fetch(new URL("/jwks", idp.issuer))).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const browser = new HttpBrowser();
    await loginAndFollow(authorizationRequest().url, { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD, browser });
    const before = await kidsOf();

    const newKid = await idp.rotateKeys();

    expect(await kidsOf()).toEqual([newKid]);
    expect(before).not.toContain(newKid);
    const request = authorizationRequest();
    const callback = await browser.followUntilLeaving(request.url, { handlers: [] });
    const res = await redeemCode(callback.searchParams.get("code") ?? "", request.verifier);
    const { id_token } = (await res.json()) as { id_token: string };
    expect(decodeProtectedHeader(id_token).kid).toBe(newKid);
    expect(await verifyIdToken(id_token)).toMatchObject({ email: "alice@demo.test", nonce: request.nonce });
  });
});
