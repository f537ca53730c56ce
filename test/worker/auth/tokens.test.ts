// The token endpoint and the protected resource: codes need the PKCE verifier and work once,
// tokens are bound to {PUBLIC_URL}/mcp, refresh tokens rotate.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ACCESS_TOKEN_TTL_SECONDS } from "../../../src/auth/front-door";
import { initialize } from "../mcp/json-rpc";
import {
  accessTokenFor,
  Browser,
  CLIENT_REDIRECT,
  pkcePair,
  PUBLIC_URL,
  registerClient,
  signInAndApprove,
  tokenRequest,
  type Tokens,
} from "./sign-in-driver";

async function codeFor() {
  const clientId = await registerClient();
  const { verifier, challenge } = await pkcePair();
  const back = await signInAndApprove(new Browser(), clientId, challenge);
  return { clientId, verifier, code: back.searchParams.get("code")! };
}

function exchange(clientId: string, code: string, verifier: string, extra: Record<string, string> = {}) {
  return tokenRequest({ grant_type: "authorization_code", code, redirect_uri: CLIENT_REDIRECT, client_id: clientId, code_verifier: verifier, ...extra });
}

function refresh(clientId: string, refreshToken: string) {
  return tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId });
}

describe("authorization code exchange", () => {
  it("issues a short-lived bearer token for {PUBLIC_URL}/mcp, with a refresh token, not cached", async () => {
    const { clientId, verifier, code } = await codeFor();
    const res = await exchange(clientId, code, verifier, { resource: `${PUBLIC_URL}/mcp` });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const tokens = (await res.json()) as Tokens & { token_type: string };
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.expires_in).toBe(ACCESS_TOKEN_TTL_SECONDS);
    expect(tokens.resource).toBe(`${PUBLIC_URL}/mcp`);
    expect(tokens.refresh_token).toMatch(/\S+/);
  });

  it("refuses a wrong PKCE verifier", async () => {
    const { clientId, code } = await codeFor();
    const res = await exchange(clientId, code, (await pkcePair()).verifier);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refuses a missing PKCE verifier", async () => {
    const { clientId, code } = await codeFor();
    const res = await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: CLIENT_REDIRECT, client_id: clientId });
    expect(res.status).toBe(400);
  });

  it("refuses a code used twice", async () => {
    const { clientId, verifier, code } = await codeFor();
    expect((await exchange(clientId, code, verifier)).status).toBe(200);
    const again = await exchange(clientId, code, verifier);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refuses an altered redirect URI", async () => {
    const { clientId, verifier, code } = await codeFor();
    const res = await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:7777/other", client_id: clientId, code_verifier: verifier });
    expect(res.status).toBe(400);
  });

  it("refuses to issue a token for another resource", async () => {
    const { clientId, verifier, code } = await codeFor();
    const res = await exchange(clientId, code, verifier, { resource: "https://other.example/mcp" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_target");
  });
});

describe("refresh tokens", () => {
  it("rotate: the new one works, and the old one stops working once the new one is used", async () => {
    const { clientId, verifier, code } = await codeFor();
    const first = (await (await exchange(clientId, code, verifier)).json()) as Tokens;
    const second = (await (await refresh(clientId, first.refresh_token)).json()) as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await refresh(clientId, second.refresh_token)).status).toBe(200);
    expect((await refresh(clientId, first.refresh_token)).status).toBe(400);
  });

  it("keep the identity: a refreshed token still reaches /mcp as the same user", async () => {
    const { clientId, verifier, code } = await codeFor();
    const first = (await (await exchange(clientId, code, verifier)).json()) as Tokens;
    const second = (await (await refresh(clientId, first.refresh_token)).json()) as Tokens;
    expect((await initialize(second.access_token)).status).toBe(200);
  });
});

describe("the protected /mcp resource", () => {
  it("accepts the token only on its own origin (audience)", async () => {
    const { access_token } = await accessTokenFor();
    const res = await exports.default.fetch("https://other-origin.test/mcp", {
      method: "POST",
      headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });

  it("refuses a Host other than PUBLIC_URL's (DNS rebinding)", async () => {
    const { access_token } = await accessTokenFor();
    const res = await exports.default.fetch(`${PUBLIC_URL}/mcp`, {
      method: "POST",
      headers: { Host: "evil.example", Authorization: `Bearer ${access_token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(403);
  });

  it("refuses a revoked token", async () => {
    const { access_token, clientId } = await accessTokenFor();
    expect((await initialize(access_token)).status).toBe(200);
    const revoke = await tokenRequest({ token: access_token, token_type_hint: "access_token", client_id: clientId });
    expect(revoke.status).toBe(200);
    expect((await initialize(access_token)).status).toBe(401);
  });
});
