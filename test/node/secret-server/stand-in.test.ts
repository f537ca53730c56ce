// The Secret Server stand-in itself: the shapes and behaviours the client relies on, through the
// real Node adapter on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSecretServer, type RunningSecretServer } from "../../../dev/secret-server/server.ts";

let server: RunningSecretServer;
let token: string;

async function login(base = server.url, password = "app-account-password"): Promise<Response> {
  return fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: "claimcheck-app", password, grant_type: "password" }),
  });
}

function api(path: string, init: RequestInit = {}, base = server.url): Promise<Response> {
  return fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
}

beforeAll(async () => {
  server = await startSecretServer({ port: 0 });
});
afterAll(() => server.close());
beforeEach(async () => {
  server.reset();
  token = ((await (await login()).json()) as { access_token: string }).access_token;
});

describe("authentication", () => {
  it("issues a bearer token for the password grant and refuses a wrong password with 400", async () => {
    const ok = await login();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ token_type: "bearer", expires_in: 1200, refresh_token: expect.any(String) });
    const bad = await login(server.url, "wrong");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("answers 401 without a valid token, and after all tokens are expired", async () => {
    expect((await api("/secrets/11", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    await fetch(`${server.url}/_stand-in/faults`, { method: "POST", body: JSON.stringify({ expireTokens: true }) });
    expect((await api("/secrets/11")).status).toBe(401);
  });

  it("gives a Platform token whose default vault is the stand-in itself, usable on /api/v1", async () => {
    const base = `${server.url}/t/platform-check`;
    const grant = await fetch(`${base}/identity/api/oauth2/token/xpmplatform`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "claimcheck-platform",
        client_secret: "platform-client-secret",
        scope: "xpmheadless",
      }),
    });
    token = ((await grant.json()) as { access_token: string }).access_token;
    const answer = await fetch(`${base}/vaultbroker/api/vaults`, { headers: { authorization: `Bearer ${token}` } });
    const vaults = (await answer.json()) as {
      vaults: { isDefault: boolean; isActive: boolean; connection: { url: string } }[];
    };
    const vault = vaults.vaults.find((v) => v.isDefault && v.isActive)!;
    expect(vault.connection.url).toBe(base);
    expect((await api("/secrets/11", {}, vault.connection.url)).status).toBe(200);
  });
});

describe("secrets", () => {
  it("finds a secret by path whatever the separators, with the same body as by id", async () => {
    const byId = await (await api("/secrets/11")).json();
    const byPath = await (await api(`/secrets/0?secretPath=${encodeURIComponent("db/prod")}`)).json();
    expect(byPath).toEqual(byId);
    expect(byId).toMatchObject({ id: 11, name: "prod", folderId: 2, requiresComment: false });
    const folder = await (await api("/folders/0?folderPath=%5Cdb")).json();
    expect(folder).toMatchObject({ id: 2, folderPath: "\\db" });
  });

  it("returns a text field as a JSON string and a file field as raw bytes", async () => {
    const text = await api("/secrets/16/fields/password");
    expect(text.headers.get("content-type")).toMatch(/application\/json/);
    expect(JSON.parse(await text.text())).toContain("$HOME `whoami`");
    const file = await api("/secrets/15/fields/certificate");
    expect(file.headers.get("content-type")).toBe("application/octet-stream");
    expect(await file.text()).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it("answers API_AccessDenied alike for a forbidden and a missing secret", async () => {
    const forbidden = await api("/secrets/17");
    const missing = await api("/secrets/9999");
    expect([forbidden.status, missing.status]).toEqual([400, 400]);
    expect(await forbidden.json()).toEqual(await missing.json());
  });

  it("lists search results as summaries without values", async () => {
    const page = (await (await api("/secrets?filter.searchText=pro")).json()) as { records: object[]; total: number };
    expect(page.total).toBe(1);
    expect(JSON.stringify(page)).not.toContain("Pr0d-db-S3cret!");
  });

  it("requires a comment for a restricted secret and records it in the secret's audit", async () => {
    const plain = await api("/secrets/13/fields/password");
    expect(plain.status).toBe(400);
    expect(await plain.json()).toMatchObject({ errorCode: "API_ValidateSecretAccessCommentRequired" });
    const restricted = await api("/secrets/13/restricted/fields/password", {
      method: "POST",
      body: JSON.stringify({ comment: "for alice: payout run" }),
    });
    expect(await restricted.json()).toBe("payout-key-7Hq2-vX9p");
    const audits = (await (await api("/secrets/13/audits")).json()) as { records: { action: string; notes: string }[] };
    expect(audits.records[0]).toMatchObject({ action: "VIEW", notes: "for alice: payout run" });
  });

  it("shows a check-out-enabled secret only between check-out and check-in", async () => {
    expect((await api("/secrets/14/fields/password")).status).toBe(400);
    expect((await api("/secrets/14/check-out", { method: "POST" })).status).toBe(200);
    expect(await (await api("/secrets/14/fields/password")).json()).toBe("Br3ak-Glass-0nly!");
    await api("/secrets/14/check-in", { method: "POST", body: JSON.stringify({ comment: "done" }) });
    expect((await api("/secrets/14/fields/password")).status).toBe(400);
    const held = await api("/secrets/18/check-out", { method: "POST" });
    expect(await held.json()).toMatchObject({ errorCode: "API_SecretCheckedOutByAnotherUser" });
  });
});

describe("faults", () => {
  it("answers the next matching requests with the injected fault, then normally", async () => {
    await fetch(`${server.url}/_stand-in/faults`, {
      method: "POST",
      body: JSON.stringify({ faults: [{ kind: "status", status: 429, retryAfter: 2, count: 2, path: "/api/v1/secrets" }] }),
    });
    const first = await api("/secrets/11");
    expect([first.status, first.headers.get("retry-after")]).toEqual([429, "2"]);
    expect((await api("/secrets/11")).status).toBe(429);
    expect((await api("/secrets/11")).status).toBe(200);
  });

  it("keeps each /t/{name} tenant's faults and stats to itself", async () => {
    const tenant = `${server.url}/t/isolated`;
    await fetch(`${tenant}/_stand-in/faults`, { method: "POST", body: JSON.stringify({ faults: [{ kind: "html" }] }) });
    expect((await api("/secrets/11")).status).toBe(200);
    const html = await login(tenant);
    expect(html.headers.get("content-type")).toMatch(/text\/html/);
    const stats = (await (await fetch(`${tenant}/_stand-in/stats`)).json()) as { requests: number };
    expect(stats.requests).toBe(1);
  });
});
