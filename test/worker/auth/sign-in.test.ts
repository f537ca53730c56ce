// /authorize and /callback: the MCP client's request is checked, the user goes to the IdP with
// PKCE, state and nonce, and only the browser that started a sign-in can finish it, once.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import {
  authorizeUrl,
  Browser,
  CLIENT_REDIRECT,
  PUBLIC_URL,
  pkcePair,
  registerClient,
  signIn,
  visitIdp,
} from "./sign-in-driver";

const issuer = loadConfig(env).oidc.issuer;

async function startSignIn(extra: Record<string, string> = {}) {
  const clientId = await registerClient();
  const { challenge } = await pkcePair();
  const browser = new Browser();
  const res = await browser.worker(authorizeUrl(clientId, challenge, extra));
  return { browser, res, clientId };
}

function expectLocalFailurePage(res: Response) {
  expect(res.status).toBe(400);
  expect(res.headers.get("Location")).toBeNull();
  expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
}

describe("GET /authorize", () => {
  it("sends the user to the IdP with code flow, PKCE S256, state and nonce", async () => {
    const { res } = await startSignIn();
    expect(res.status).toBe(302);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const to = new URL(res.headers.get("Location")!);
    expect(to.origin + to.pathname).toBe(`${issuer}/authorize`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "claimcheck",
      redirect_uri: `${PUBLIC_URL}/callback`,
      scope: "openid email profile",
      code_challenge_method: "S256",
    });
    expect(to.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(to.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The MCP client's own state and PKCE challenge never reach the IdP.
    expect(to.searchParams.get("state")).not.toBe("client-state-123");
  });

  it("binds the sign-in to the browser with a __Host- cookie", async () => {
    const { res } = await startSignIn();
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-claimcheck-browser="));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Domain=/i);
  });

  it("refuses the plain PKCE method with an error redirect to the client", async () => {
    const { res } = await startSignIn({ code_challenge: "a".repeat(43), code_challenge_method: "plain" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("Location")!);
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("state")).toBe("client-state-123");
  });

  it("refuses a request without PKCE", async () => {
    const clientId = await registerClient();
    const url = new URL(authorizeUrl(clientId, "unused"));
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const res = await new Browser().worker(url.href);
    expect(new URL(res.headers.get("Location")!).searchParams.get("error")).toBe("invalid_request");
  });

  it("requires PKCE even from a confidential client", async () => {
    const clientId = await registerClient({ token_endpoint_auth_method: "client_secret_basic" });
    const url = new URL(authorizeUrl(clientId, "unused"));
    url.searchParams.delete("code_challenge");
    url.searchParams.delete("code_challenge_method");
    const res = await new Browser().worker(url.href);
    const back = new URL(res.headers.get("Location")!);
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("error")).toBe("invalid_request");
  });

  it("shows an error page, never a redirect, for a redirect URI the client did not register", async () => {
    const { res } = await startSignIn({ redirect_uri: "http://127.0.0.1:7777/other" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
    expect(await res.text()).toContain("Invalid redirect URI");
  });

  it("shows an error page for an unknown client", async () => {
    const { challenge } = await pkcePair();
    const res = await new Browser().worker(authorizeUrl("no-such-client", challenge));
    expect(res.status).toBe(400);
    expect(res.headers.get("Location")).toBeNull();
  });

  it("refuses a token for another audience: a resource that is not this Worker's /mcp", async () => {
    const { res } = await startSignIn({ resource: "https://other.example/mcp" });
    expect(new URL(res.headers.get("Location")!).searchParams.get("error")).toBe("invalid_target");
  });
});

describe("GET /callback", () => {
  it("shows the consent page after a good sign-in", async () => {
    const { browser, res } = await startSignIn();
    const callback = await browser.worker(await visitIdp(res.headers.get("Location")!));
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain("Signed in as Dev Eloper (dev@corp.example)");
  });

  it("refuses a state it never issued", async () => {
    const { browser } = await startSignIn();
    expectLocalFailurePage(await browser.worker(`${PUBLIC_URL}/callback?code=abc&state=${"A".repeat(43)}`));
  });

  it("refuses a malformed or missing state", async () => {
    const browser = new Browser();
    expectLocalFailurePage(await browser.worker(`${PUBLIC_URL}/callback?code=abc&state=short`));
    expectLocalFailurePage(await browser.worker(`${PUBLIC_URL}/callback?code=abc`));
  });

  it("refuses a replayed state: the second use of a callback URL fails", async () => {
    const { browser, res } = await startSignIn();
    const callbackUrl = await visitIdp(res.headers.get("Location")!);
    expect((await browser.worker(callbackUrl)).status).toBe(200);
    expectLocalFailurePage(await browser.worker(callbackUrl));
  });

  it("refuses a callback opened in another browser (no binding cookie)", async () => {
    const { res } = await startSignIn();
    const callbackUrl = await visitIdp(res.headers.get("Location")!);
    expectLocalFailurePage(await new Browser().worker(callbackUrl));
  });

  it("refuses a callback whose state was issued to another browser", async () => {
    const { res } = await startSignIn();
    const callbackUrl = await visitIdp(res.headers.get("Location")!);
    const attacker = new Browser();
    await attacker.worker(authorizeUrl(await registerClient(), (await pkcePair()).challenge));
    expectLocalFailurePage(await attacker.worker(callbackUrl));
  });

  it("refuses an authorization response that names another issuer (RFC 9207)", async () => {
    const { browser, res } = await startSignIn();
    expectLocalFailurePage(await browser.worker(await visitIdp(res.headers.get("Location")!, { scenario: "callback_wrong_iss" })));
  });

  it("refuses when the IdP will not exchange the code", async () => {
    const { browser, res } = await startSignIn();
    expectLocalFailurePage(await browser.worker(await visitIdp(res.headers.get("Location")!, { scenario: "token_error" })));
  });

  it("tells the client access_denied, with its state and our issuer, when the user declines at the IdP", async () => {
    const { browser, res } = await startSignIn();
    const answer = await browser.worker(await visitIdp(res.headers.get("Location")!, { scenario: "deny" }));
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get("Location")!);
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("client-state-123");
    expect(back.searchParams.get("iss")).toBe(PUBLIC_URL);
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("does not leak which check failed", async () => {
    const { browser, res } = await startSignIn();
    const page = await (await browser.worker(await visitIdp(res.headers.get("Location")!, { scenario: "wrong_nonce" }))).text();
    const main = /<main>([\s\S]*)<\/main>/.exec(page)![1];
    expect(main).toContain("Sign-in could not be completed. Start again from your MCP client.");
    expect(main).not.toMatch(/nonce|id_token|token/i);
  });

  it("signs in a user whose subject contains ':' (the user id is a hash)", async () => {
    const res = await signIn(new Browser(), authorizeUrl(await registerClient(), (await pkcePair()).challenge), { sub: "tenant:a:b" });
    expect(res.status).toBe(200);
  });
});
