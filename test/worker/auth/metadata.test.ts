// Discovery and registration: what an MCP client reads before it sends a user to sign in.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CLIENT_REDIRECT, PUBLIC_URL, registerClient } from "./sign-in-driver";

describe("RFC 9728 protected resource metadata", () => {
  it("answers an unauthenticated /mcp call with 401 and a link to the resource metadata", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/mcp`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain(
      `resource_metadata="${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it("rejects a made-up bearer token the same way", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/mcp`, {
      method: "POST",
      headers: { Authorization: "Bearer user:grant:not-a-token" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
  });

  it("names {PUBLIC_URL}/mcp as the resource and this Worker as its authorization server", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.resource).toBe(`${PUBLIC_URL}/mcp`);
    expect(doc.authorization_servers).toEqual([PUBLIC_URL]);
    expect(doc.bearer_methods_supported).toEqual(["header"]);
  });
});

describe("RFC 9728 metadata at the bare well-known path", () => {
  it("answers /.well-known/oauth-protected-resource with the /mcp document, for clients that try the root first", async () => {
    const suffixed = await exports.default.fetch(`${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp`);
    const root = await exports.default.fetch(`${PUBLIC_URL}/.well-known/oauth-protected-resource`);
    expect(root.status).toBe(200);
    expect(root.headers.get("Content-Type")).toContain("application/json");
    expect(await root.json()).toEqual(await suffixed.json());
  });

  it("answers HEAD and a CORS preflight there like the provider does at /mcp's path, and refuses a POST", async () => {
    const url = `${PUBLIC_URL}/.well-known/oauth-protected-resource`;
    const head = await exports.default.fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const preflight = await exports.default.fetch(url, { method: "OPTIONS", headers: { Origin: "https://inspector.example", "Access-Control-Request-Method": "GET" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeTruthy();
    expect((await exports.default.fetch(url, { method: "POST", body: "{}" })).status).toBe(405);
  });
});

describe("RFC 8414 authorization server metadata", () => {
  it("advertises S256 only, registration, client ID metadata documents and the endpoints", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: PUBLIC_URL,
      authorization_endpoint: `${PUBLIC_URL}/authorize`,
      token_endpoint: `${PUBLIC_URL}/oauth/token`,
      registration_endpoint: `${PUBLIC_URL}/oauth/register`,
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    expect(doc.response_types_supported).toEqual(["code"]);
    expect(doc.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
    expect(doc.protected_resources).toEqual([`${PUBLIC_URL}/mcp`]);
  });
});

describe("dynamic client registration (RFC 7591)", () => {
  it("registers a public client with a loopback redirect URI", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "Agent", redirect_uris: [CLIENT_REDIRECT], token_endpoint_auth_method: "none" }),
    });
    expect(res.status).toBe(201);
    const client = (await res.json()) as Record<string, unknown>;
    expect(client.client_id).toEqual(expect.any(String));
    expect(client.redirect_uris).toEqual([CLIENT_REDIRECT]);
    expect(client.client_secret).toBeUndefined();
  });

  it("refuses a remote plain-http redirect URI", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "Agent", redirect_uris: ["http://attacker.example/cb"], token_endpoint_auth_method: "none" }),
    });
    expect(res.status).toBe(400);
  });

  it("returns a client that a later lookup can use", async () => {
    expect(await registerClient()).toMatch(/\S+/);
  });
});
