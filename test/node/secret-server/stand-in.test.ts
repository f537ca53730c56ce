// The Secret Server stand-in itself: the shapes and behaviours the client relies on, through the
// real Node adapter on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadSeed, parseSeed, type SeedFile } from "../../../dev/secret-server/seed.ts";
import { startSecretServer, type RunningSecretServer } from "../../../dev/secret-server/server.ts";

let server: RunningSecretServer;
let token: string;

async function login(base = server.url, password = "app-account-password", username = "claimcheck-app"): Promise<Response> {
  return fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password, grant_type: "password" }),
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
    expect(page.records[0]).toMatchObject({ id: 11, secretTemplateId: 6008, secretTemplateName: "SQL Server Account" });
    expect(JSON.stringify(page)).not.toContain("Pr0d-db-S3cret!");
  });

  it("takes the Go SDK's paging.-prefixed search parameters too", async () => {
    const page = (await (await api("/secrets?paging.filter.searchText=pro&paging.filter.isExactMatch=false&paging.take=5")).json()) as {
      records: { id: number }[];
      take: number;
    };
    expect([page.records.map((r) => r.id), page.take]).toEqual([[11], 5]);
  });

  it("leaves comment-required secrets out of a search unless filter.includeRestricted=true", async () => {
    const ids = async (query: string) =>
      ((await (await api(`/secrets?filter.searchText=pay${query}`)).json()) as { records: { id: number }[] }).records.map((r) => r.id);
    expect(await ids("")).toEqual([]);
    expect(await ids("&filter.includeRestricted=true")).toEqual([13]);
  });

  it("gives one secret's summary, with its template id, without a comment, a value or an audit entry", async () => {
    const answer = await api("/secrets/13/summary");
    expect(answer.status).toBe(200);
    const summary = await answer.json();
    expect(summary).toMatchObject({ id: 13, name: "payout-signing-key", folderId: 7, secretTemplateId: 6003, requiresComment: true });
    expect(JSON.stringify(summary)).not.toContain("payout-key-7Hq2-vX9p");
    expect(await (await api("/secrets/0/summary?secretPath=%5CPayments%5CRestricted%5Cpayout-signing-key")).json()).toEqual(summary);
    const audits = (await (await api("/secrets/13/audits")).json()) as { records: unknown[] };
    expect(audits.records).toEqual([]);
    expect(server.stats().secretReads).toBe(0);
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

describe("access requests (approval for access)", () => {
  const HOUR_MS = 3_600_000;
  const inHours = (hours: number) => new Date(Date.now() + hours * HOUR_MS).toISOString();
  const GATED = 19;
  type AccessModel = { secretAccessRequestId: number; status: string; requestComment: string; currentUserRestrictedFromReviewing: boolean };

  const tokenOf = async (username: string, password: string) =>
    ((await (await login(server.url, password, username)).json()) as { access_token: string }).access_token;
  const as = (bearer: string, path: string, init: RequestInit = {}) => api(path, { ...init, headers: { authorization: `Bearer ${bearer}` } });
  const fileRequest = (body: Record<string, unknown>, init: RequestInit = {}) =>
    api("/secret-access-requests", { method: "POST", body: JSON.stringify(body), ...init });
  const askForGated = async (window = { startDate: inHours(0), expirationDate: inHours(1) }) =>
    (await (await fileRequest({ secretId: GATED, requestComment: "for alice via claimcheck, ticket t-1", ...window })).json()) as AccessModel;
  const decide = (id: number, body: Record<string, unknown>) =>
    fetch(`${server.url}/_stand-in/access-requests/${id}`, { method: "POST", body: JSON.stringify(body) });
  const listed = async () => (await (await fetch(`${server.url}/_stand-in/access-requests`)).json()) as AccessModel[];
  const stateOf = async (id: number) => ((await (await api(`/secrets/${id}/state`)).json()) as { secretState: string }).secretState;
  const readGated = () => api(`/secrets/${GATED}/fields/password`);

  it("marks the gated secret in its model, summary and state, and leaves it out of searches without restricted secrets", async () => {
    const dana = await tokenOf("dana", "dana-password");
    expect(await (await as(dana, `/secrets/${GATED}`)).json()).toMatchObject({ id: GATED, requiresApprovalForAccess: true, isRestricted: true });
    expect(await (await api("/secrets/11/summary")).json()).toMatchObject({ requiresApproval: false });
    expect(await (await api(`/secrets/${GATED}/summary`)).json()).toMatchObject({ requiresApproval: true, isRestricted: true });
    expect(await (await api(`/secrets/${GATED}/state`)).json()).toMatchObject({
      id: GATED,
      secretName: "sign-off",
      isActive: true,
      secretState: "RequiresApproval",
    });
    expect([await stateOf(11), await stateOf(13), await stateOf(14)]).toEqual(["None", "RequiresComment", "RequiresCheckout"]);
    const ids = async (query: string) =>
      ((await (await api(`/secrets?filter.searchText=sign-off${query}`)).json()) as { records: { id: number }[] }).records.map((r) => r.id);
    expect([await ids(""), await ids("&filter.includeRestricted=true")]).toEqual([[], [GATED]]);
  });

  it("refuses every value read without an approved request exactly as it refuses a secret the caller may not see", async () => {
    const denied = await (await api("/secrets/9999")).json();
    const reads = [
      api(`/secrets/${GATED}`),
      readGated(),
      api(`/secrets/${GATED}/fields/password?autoComment=for%20alice`),
      api(`/secrets/${GATED}/restricted/fields/password`, { method: "POST", body: JSON.stringify({ comment: "for alice" }) }),
      api(`/secrets/${GATED}/restricted`, { method: "POST", body: JSON.stringify({ comment: "for alice" }) }),
    ];
    for (const answer of await Promise.all(reads)) {
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual(denied);
    }
    expect(server.stats().secretReads).toBe(0);
    expect((await (await fetch(`${server.url}/_stand-in/audits/${GATED}`)).json())).toEqual([]);
  });

  it("lets the secret's approvers read it without a request", async () => {
    const dana = await tokenOf("dana", "dana-password");
    expect(await (await as(dana, `/secrets/${GATED}/fields/password`)).json()).toBe("L3dger-S1gn-0ff!");
  });

  it("files a request as a pending SecretAccessModel, the same by id, and lists it for tests with its comment", async () => {
    const startDate = inHours(0);
    const expirationDate = inHours(1);
    const body = { secretId: GATED, requestComment: "for alice@example.com", startDate, expirationDate, ticketNumber: "INC-42" };
    const answer = await fileRequest(body);
    expect(answer.status).toBe(200);
    const model = await answer.json();
    expect(model).toEqual({
      secretAccessRequestId: 1,
      secretId: GATED,
      secretName: "sign-off",
      folderId: 2,
      status: "Pending",
      statusDescription: expect.any(String),
      requestComment: "for alice@example.com",
      responseComment: null,
      startDate,
      expirationDate,
      requestDate: expect.any(String),
      responseDate: null,
      approverDisplayName: null,
      requestingUserId: 1,
      requestUsername: "claimcheck-app",
      completed: false,
      hasWorkflow: false,
      accessRequestWorkflowMapId: null,
      reviewStatusMessage: null,
      ticketNumber: "INC-42",
      ticketSystemId: null,
      currentUserRestrictedFromReviewing: true,
    });
    expect(await (await api("/secret-access-requests/1")).json()).toEqual(model);
    expect(await listed()).toEqual([{ ...model, currentUserRestrictedFromReviewing: false }]);
    expect((await readGated()).status).toBe(400);
  });

  it("shows values only while an approved request's window is open, and reads an ended approval as Expired", async () => {
    const { secretAccessRequestId: id } = await askForGated();
    expect((await decide(id, { status: "Approved" })).status).toBe(200);
    expect(await stateOf(GATED)).toBe("None");
    expect(await (await readGated()).json()).toBe("L3dger-S1gn-0ff!");
    expect((await (await fetch(`${server.url}/_stand-in/audits/${GATED}`)).json())).toMatchObject([{ action: "VIEW", username: "claimcheck-app" }]);

    await decide(id, { status: "Approved", startDate: inHours(-2), expirationDate: inHours(-1) });
    expect(await (await api(`/secret-access-requests/${id}`)).json()).toMatchObject({ status: "Expired", completed: true });
    expect((await readGated()).status).toBe(400);
    expect(await stateOf(GATED)).toBe("RequiresApproval");

    const later = await askForGated({ startDate: inHours(1), expirationDate: inHours(2) });
    await decide(later.secretAccessRequestId, { status: "Approved" });
    expect((await readGated()).status).toBe(400);
  });

  it("keeps a denied or canceled request from opening the secret", async () => {
    for (const status of ["Denied", "Canceled"]) {
      const { secretAccessRequestId: id } = await askForGated();
      await decide(id, { status, responseComment: "not now" });
      expect(await (await api(`/secret-access-requests/${id}`)).json()).toMatchObject({ status, completed: true });
      expect((await readGated()).status).toBe(400);
    }
  });

  it("takes an approver's decision through PUT as Update-TssSecretAccessRequest sends it, never the requester's own", async () => {
    const { secretAccessRequestId } = await askForGated();
    const put = (bearer: string, body: Record<string, unknown>) =>
      as(bearer, "/secret-access-requests", { method: "PUT", body: JSON.stringify({ secretAccessRequestId, ...body }) });
    const dana = await tokenOf("dana", "dana-password");
    const window = { startDate: inHours(0), expirationDate: inHours(1) };

    expect(await (await put(token, { status: "Approved", ...window })).json()).toMatchObject({ errorCode: "API_AccessDenied" });
    expect(await (await put(dana, { status: "Denied" })).json()).toMatchObject({ modelState: { "args.responseComment": [expect.any(String)] } });
    expect(await (await put(dana, { status: "Approved" })).json()).toMatchObject({ modelState: { "args.expirationDate": [expect.any(String)] } });
    const approved = await put(dana, { status: "Approved", ...window, responseComment: "ok for an hour" });
    expect(await approved.json()).toMatchObject({
      status: "Approved",
      approverDisplayName: "Dana Ops",
      responseComment: "ok for an hour",
      responseDate: expect.any(String),
      currentUserRestrictedFromReviewing: false,
    });
    expect((await put(dana, { status: "Denied", responseComment: "changed my mind" })).status).toBe(400);
    expect(await (await api(`/secret-access-requests/${secretAccessRequestId}`)).json()).toMatchObject({
      status: "Approved",
      currentUserRestrictedFromReviewing: true,
    });
    expect(await (await readGated()).json()).toBe("L3dger-S1gn-0ff!");

    const second = await askForGated();
    const canceled = await as(token, "/secret-access-requests", {
      method: "PUT",
      body: JSON.stringify({ secretAccessRequestId: second.secretAccessRequestId, status: "Canceled" }),
    });
    expect(await canceled.json()).toMatchObject({ status: "Canceled" });
  });

  it("refuses malformed requests with ASP.NET's model-state answer, and unknown or hidden secrets and requests with Access Denied", async () => {
    const modelStateOf = async (answer: Promise<Response>) => {
      const response = await answer;
      expect(response.status).toBe(400);
      return Object.keys(((await response.json()) as { modelState: Record<string, string[]> }).modelState);
    };
    expect(await modelStateOf(fileRequest({}))).toEqual(expect.arrayContaining(["args.secretId", "args.requestComment", "args.expirationDate"]));
    expect(await modelStateOf(fileRequest({ secretId: GATED, requestComment: " ", expirationDate: inHours(1) }))).toEqual(["args.requestComment"]);
    const backwards = { secretId: GATED, requestComment: "x", startDate: inHours(2), expirationDate: inHours(1) };
    expect(await modelStateOf(fileRequest(backwards))).toEqual(["args.expirationDate"]);
    expect(await modelStateOf(fileRequest({ secretId: GATED, requestComment: "x", startDate: inHours(-2), expirationDate: inHours(-1) }))).toEqual([
      "args.expirationDate",
    ]);
    const notADate = { secretId: GATED, requestComment: "x", expirationDate: "next tuesday-ish" };
    expect(await modelStateOf(fileRequest(notADate))).toEqual(["args.expirationDate"]);
    expect(await modelStateOf(fileRequest({ secretId: 11, requestComment: "x", expirationDate: inHours(1) }))).toEqual(["args.secretId"]);
    expect((await api("/secret-access-requests", { method: "POST", body: "{not json" })).status).toBe(400);

    const denied = await (await api("/secrets/9999")).json();
    for (const secretId of [9999, 17]) {
      expect(await (await fileRequest({ secretId, requestComment: "x", expirationDate: inHours(1) })).json()).toEqual(denied);
    }
    expect(await listed()).toEqual([]);
    const { secretAccessRequestId } = await askForGated();
    const hr = await tokenOf("hr-admin", "hr-admin-password");
    expect(await (await as(hr, `/secret-access-requests/${secretAccessRequestId}`)).json()).toEqual(denied);
    expect(await (await api("/secret-access-requests/9999")).json()).toEqual(denied);
  });

  it("decides only known requests through the control, with a known status", async () => {
    expect((await decide(9999, { status: "Approved" })).status).toBe(404);
    const { secretAccessRequestId } = await askForGated();
    expect((await decide(secretAccessRequestId, { status: "Pending" })).status).toBe(400);
    expect((await decide(secretAccessRequestId, { status: "approved" })).status).toBe(400);
  });

  it("forgets every request on reset", async () => {
    await decide((await askForGated()).secretAccessRequestId, { status: "Approved" });
    await fetch(`${server.url}/_stand-in/reset`, { method: "POST" });
    token = await tokenOf("claimcheck-app", "app-account-password");
    expect(await listed()).toEqual([]);
    expect((await readGated()).status).toBe(400);
    expect(await stateOf(GATED)).toBe("RequiresApproval");
  });
});

describe("secret templates", () => {
  type TemplateField = { secretTemplateFieldId: number; fieldSlugName: string; name: string; isPassword: boolean; isFile: boolean };

  it("describes a template's fields by slug, without any value", async () => {
    const answer = await api("/secret-templates/6008");
    expect(answer.status).toBe(200);
    const template = (await answer.json()) as { id: number; name: string; fields: TemplateField[] };
    expect(template).toMatchObject({ id: 6008, name: "SQL Server Account" });
    expect(template.fields.map((f) => [f.secretTemplateFieldId, f.fieldSlugName, f.name, f.isPassword, f.isFile])).toEqual([
      [108, "server", "Server", false, false],
      [109, "username", "Username", false, false],
      [110, "password", "Password", true, false],
      [111, "notes", "Notes", false, false],
    ]);
    expect(template.fields[3]).toMatchObject({ isNotes: true, displayName: "Notes", sortOrder: 4 });
    const seeded = (await loadSeed()).secrets.flatMap((s) => s.items.map((i) => i.itemValue));
    for (const id of [6001, 6003, 6008, 6034]) {
      const body = await (await api(`/secret-templates/${id}`)).text();
      for (const value of seeded) expect(body.includes(value), `template ${id} holds a value`).toBe(false);
    }
  });

  it("agrees with the secrets' items: same slugs, names, ids and kinds", async () => {
    const plain = (await loadSeed()).secrets.filter(
      (s) => !s.requiresComment && !s.checkOutEnabled && !s.allowedUsers && !s.requiresApprovalForAccess,
    );
    expect(new Set(plain.map((s) => s.secretTemplateId))).toEqual(new Set([6001, 6003, 6008, 6034]));
    for (const { id, secretTemplateId } of plain) {
      const secret = (await (await api(`/secrets/${id}`)).json()) as {
        items: { fieldId: number; slug: string; fieldName: string; isPassword: boolean; isFile: boolean }[];
      };
      const template = (await (await api(`/secret-templates/${secretTemplateId}`)).json()) as { fields: TemplateField[] };
      expect(secret.items.map((i) => [i.fieldId, i.slug, i.fieldName, i.isPassword, i.isFile])).toEqual(
        template.fields.map((f) => [f.secretTemplateFieldId, f.fieldSlugName, f.name, f.isPassword, f.isFile]),
      );
    }
  });

  it("answers an unknown template with the same Access Denied as an unknown secret", async () => {
    const template = await api("/secret-templates/9999");
    const secret = await api("/secrets/9999");
    expect(template.status).toBe(400);
    expect(await template.json()).toEqual(await secret.json());
  });

  it("counts requests by route, ids replaced", async () => {
    await api("/secret-templates/6003");
    await api("/secret-templates/6008");
    await api("/secrets/11/summary");
    expect(server.stats().calls).toMatchObject({
      "GET /api/v1/secret-templates/{id}": 2,
      "GET /api/v1/secrets/{id}/summary": 1,
    });
  });
});

describe("SDK-only mode (what Delinea's SDKs call, nothing more)", () => {
  const base = () => `${server.url}/t/sdk-only-node`;
  const sdkApi = async (path: string, init: RequestInit = {}) => {
    const grant = (await (await login(base())).json()) as { access_token: string };
    return fetch(`${base()}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${grant.access_token}`, ...init.headers } });
  };
  const status = async (path: string, method = "GET") => (await sdkApi(path, { method })).status;
  const ids = async (query: string) => ((await (await sdkApi(`/secrets?${query}`)).json()) as { records: { id: number }[] }).records.map((r) => r.id);

  beforeEach(async () => {
    await fetch(`${base()}/_stand-in/reset`, { method: "POST" });
  });

  it("serves the SDKs' routes and answers 404 for every other", async () => {
    for (const path of ["/secrets/11", `/secrets/0?secretPath=${encodeURIComponent("\\db\\prod")}`, "/secrets/11/fields/password"]) {
      expect(await status(path), path).toBe(200);
    }
    for (const path of ["/folders/2", "/folders/0?folderPath=%5Cdb", "/secret-templates/6008", "/secrets?filter.searchText=prod"]) {
      expect(await status(path), path).toBe(200);
    }
    for (const path of ["/secrets/11/summary", "/secrets/11/state", "/secrets/11/audits"]) expect(await status(path), path).toBe(404);
    for (const path of ["/secrets/11/restricted", "/secrets/11/restricted/fields/password", "/secrets/14/check-out", "/secrets/14/check-in"]) {
      expect(await status(path, "POST"), path).toBe(404);
    }
    expect(await status("/secret-access-requests", "POST")).toBe(404);
    expect(await status("/secret-access-requests/1")).toBe(404);
  });

  it("still refuses the values of an approval-gated secret, though nothing can ask for approval", async () => {
    expect(await status("/secrets/19/fields/password")).toBe(400);
    expect(await status(`/secrets/19/fields/password?autoComment=${encodeURIComponent("for alice")}`)).toBe(400);
  });

  it("searches by text only, in either parameter form, ignoring the folder, exact-match and restricted filters", async () => {
    expect(await ids("filter.searchText=prod&filter.folderId=3&filter.isExactMatch=true")).toEqual([11]);
    expect(await ids("paging.filter.searchText=pay&paging.take=5")).toEqual([13]);
    expect(await ids("filter.searchText=r&take=2")).toEqual([14, 11]);
  });

  it("takes a comment as autoComment, records it, and reads check-out-enabled secrets without a check-out", async () => {
    expect(await status("/secrets/13/fields/password")).toBe(400);
    const read = await sdkApi(`/secrets/13/fields/password?autoComment=${encodeURIComponent("for alice")}`);
    expect(await read.json()).toBe("payout-key-7Hq2-vX9p");
    const audits = (await (await fetch(`${base()}/_stand-in/audits/13`)).json()) as { action: string; notes: string }[];
    expect(audits[0]).toMatchObject({ action: "VIEW", notes: "for alice" });
    expect(await (await sdkApi("/secrets/14/fields/password")).json()).toBe("Br3ak-Glass-0nly!");
  });

  it("can be the root Secret Server", async () => {
    const sdkOnly = await startSecretServer({ port: 0, sdkOnly: true });
    try {
      const grant = (await (await login(sdkOnly.url)).json()) as { access_token: string };
      const summary = await fetch(`${sdkOnly.url}/api/v1/secrets/11/summary`, { headers: { authorization: `Bearer ${grant.access_token}` } });
      expect(summary.status).toBe(404);
    } finally {
      await sdkOnly.close();
    }
  });
});

describe("seed", () => {
  const seedFile = async () => JSON.parse(JSON.stringify(await loadSeed())) as SeedFile & { secrets: { items: { slug: string }[] }[] };

  it("refuses a secret whose items are not exactly its template's fields, naming it", async () => {
    const missing = await seedFile();
    missing.secrets[0]!.items.pop();
    expect(() => parseSeed(missing)).toThrow(/secrets\.0 \(id 11\): items \[password,server,username\] must be the fields of template 6008/);
    const extra = await seedFile();
    extra.secrets[1]!.items.push({ slug: "api-key", itemValue: "x" } as never);
    expect(() => parseSeed(extra)).toThrow(/secrets\.1 \(id 12\)/);
  });

  it("refuses a secret whose template does not exist", async () => {
    const file = await seedFile();
    file.secrets[0]!.secretTemplateId = 4242;
    expect(() => parseSeed(file)).toThrow("secrets.0 (id 11): no template 4242");
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
