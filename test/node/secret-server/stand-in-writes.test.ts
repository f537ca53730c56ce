// The Secret Server stand-in's write side, through the real Node adapter on 127.0.0.1: template
// search, password requirements and the generator, the stub, create, field update, remote password
// change, the admin views of what was written, and what SDK-only mode serves of it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadSeed, parseSeed, type SeedFile } from "../../../dev/secret-server/seed.ts";
import { startSecretServer, type RunningSecretServer } from "../../../dev/secret-server/server.ts";

let server: RunningSecretServer;
const tokens = new Map<string, string>();

type Requirement = {
  passwordRequirementId: number;
  minPasswordLength: number;
  maxPasswordLength: number;
  allowedCharacterSet: { value: string };
  passwordRequirementRules: { minCharactersRequired: number; characterSet: { value: string } }[];
};
type Stored = { items: { slug: string; itemValue: string }[]; targetSystemPassword?: string };
type Write = { action: string; secretId: number | null; fieldId: number | null; comment: string | null; values: Record<string, string> };

async function tokenFor(base: string): Promise<string> {
  const known = tokens.get(base);
  if (known) return known;
  const answer = await fetch(`${base}/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({ username: "claimcheck-app", password: "app-account-password", grant_type: "password" }),
  });
  const token = ((await answer.json()) as { access_token: string }).access_token;
  tokens.set(base, token);
  return token;
}

async function api(path: string, init: { method?: string; body?: unknown } = {}, base = server.url): Promise<Response> {
  return fetch(`${base}/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${await tokenFor(base)}`, "content-type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}
const json = async <T>(answer: Response | Promise<Response>) => (await (await answer).json()) as T;
const admin = <T>(path: string, base = server.url) => json<T>(fetch(`${base}/_stand-in/${path}`));
const stored = (id: number, slug: string, base = server.url) =>
  admin<Stored>(`secrets/${id}`, base).then((s) => s.items.find((i) => i.slug === slug)?.itemValue);

function meets(value: string, r: Requirement): boolean {
  const chars = [...value];
  const countIn = (set: string) => chars.filter((c) => set.includes(c)).length;
  return (
    chars.length >= r.minPasswordLength &&
    chars.length <= r.maxPasswordLength &&
    countIn(r.allowedCharacterSet.value) === chars.length &&
    r.passwordRequirementRules.every((rule) => countIn(rule.characterSet.value) >= rule.minCharactersRequired)
  );
}

/** A stub for template 6003 in \Payments\agents, filled as Delinea's PowerShell module does. */
async function filledStub(name: string, password: string) {
  const stub = await json<{ siteId: number; items: { slug: string; itemValue: string }[] }>(api("/secrets/stub?secretTemplateId=6003&folderId=8"));
  return { ...stub, name, siteId: 1, items: stub.items.map((i) => ({ ...i, itemValue: i.slug === "password" ? password : "https://api.example.test" })) };
}

beforeAll(async () => {
  server = await startSecretServer({ port: 0 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  tokens.clear();
});

describe("templates and password requirements", () => {
  it("searches templates by part of their name, as SecretTemplateSummary records", async () => {
    const page = await json<{ records: unknown[]; total: number }>(api("/secret-templates?filter.searchText=acc&take=5"));
    expect(page.records).toEqual([
      { id: 6001, name: "Active Directory Account", active: true, passwordTypeId: null, secretCount: null },
      { id: 6008, name: "SQL Server Account", active: true, passwordTypeId: null, secretCount: null },
    ]);
    expect(page.total).toBe(2);
  });

  it("names each password field's requirement, served as a PasswordRequirementModel; the default where a field names none", async () => {
    const template = await json<{ fields: { fieldSlugName: string; passwordRequirementId: number | null }[] }>(api("/secret-templates/6003"));
    expect(template.fields.map((f) => [f.fieldSlugName, f.passwordRequirementId])).toEqual([["resource", null], ["password", 2]]);
    const ad = await json<{ fields: { passwordRequirementId: number | null }[] }>(api("/secret-templates/6001"));
    expect(ad.fields[1]?.passwordRequirementId).toBe(1);
    expect(await json(api("/password-requirements/2"))).toMatchObject({
      passwordRequirementId: 2,
      minPasswordLength: 24,
      maxPasswordLength: 32,
      isDefault: false,
      passwordRequirementRules: [{ minCharactersRequired: 2, characterSet: { value: "ABCDEFGHJKLMNPQRSTUVWXYZ" } }, {}, {}, {}],
    });
    expect(await json(api("/password-requirements/99"))).toMatchObject({ errorCode: "API_AccessDenied" });
  });

  it("generates a JSON string that meets the field's requirement every time, and records what it issued", async () => {
    const requirement = await json<Requirement>(api("/password-requirements/2"));
    const values = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const value = await json<string>(api("/secret-templates/generate-password/61", { method: "POST" }));
      expect(meets(value, requirement), value).toBe(true);
      values.add(value);
    }
    expect(values.size).toBe(200);
    const writes = await admin<Write[]>("writes");
    expect(writes).toHaveLength(200);
    expect(writes[0]).toMatchObject({ action: "generate-password", secretId: null, fieldId: 61 });
    expect(new Set(writes.map((w) => w.values.password))).toEqual(values);
  });

  it("generates only for password fields, and only for fields that exist", async () => {
    expect(await json(api("/secret-templates/generate-password/60", { method: "POST" }))).toMatchObject({ errorCode: "API_FieldIsNotPassword" });
    expect(await json(api("/secret-templates/generate-password/9999", { method: "POST" }))).toMatchObject({ errorCode: "API_AccessDenied" });
  });
});

describe("creating a secret", () => {
  it("gives a stub: id 0, no name, the template's empty items, and the site -1 that a create refuses", async () => {
    const stub = await json<Record<string, unknown>>(api("/secrets/stub?secretTemplateId=6003&folderId=8"));
    expect(stub).toMatchObject({ id: 0, name: "", secretTemplateId: 6003, secretTemplateName: "Password", folderId: 8, siteId: -1 });
    expect(stub.items).toMatchObject([
      { itemId: null, fieldId: 60, slug: "resource", itemValue: "", isPassword: false },
      { itemId: null, fieldId: 61, slug: "password", itemValue: "", isPassword: true },
    ]);
    expect(await json(api("/secrets/stub?filter.secretTemplateId=6003"))).toMatchObject({ folderId: null, items: [{}, {}] });
    for (const query of ["secretTemplateId=9999", "secretTemplateId=6003&folderId=999"]) {
      expect(await json(api(`/secrets/stub?${query}`)), query).toMatchObject({ errorCode: "API_AccessDenied" });
    }
  });

  it("creates from a filled stub, answers the SecretModel, and keeps the values for tests to compare", async () => {
    const answer = await api("/secrets", { method: "POST", body: await filledStub("ci-bot", "Given-Pw-1!") });
    expect(answer.status).toBe(200);
    const created = (await answer.json()) as { id: number; name: string; folderId: number; items: { slug: string; itemValue: string }[] };
    expect(created).toMatchObject({ name: "ci-bot", folderId: 8, secretTemplateId: 6003, siteId: 1 });
    expect(created.id).toBeGreaterThanOrEqual(1001);
    expect(await stored(created.id, "password")).toBe("Given-Pw-1!");
    const byPath = await json<{ id: number }>(api(`/secrets/0/summary?secretPath=${encodeURIComponent("\\Payments\\agents\\ci-bot")}`));
    expect(byPath.id).toBe(created.id);
    expect(await admin<Write[]>("writes")).toMatchObject([{ action: "create", secretId: created.id, values: { resource: "https://api.example.test", password: "Given-Pw-1!" } }]);
    expect((await admin<{ action: string }[]>(`audits/${created.id}`)).map((a) => a.action)).toEqual(["CREATE"]);
  });

  it("refuses the stub's own site, an item of another template, a missing required field, an unknown template or folder", async () => {
    const stub = await filledStub("x", "pw");
    const cases: [unknown, Record<string, unknown>][] = [
      [{ ...stub, siteId: -1 }, { message: "The request is invalid.", modelState: { "args.siteId": ["A valid Site is required."] } }],
      [{ ...stub, items: [...stub.items, { fieldId: 40, itemValue: "x" }] }, { errorCode: "API_FieldNotFound" }],
      [{ ...stub, items: stub.items.map((i) => ({ ...i, itemValue: "" })) }, { modelState: { "args.items": ["Password is required."] } }],
      [{ ...stub, secretTemplateId: 9999 }, { errorCode: "API_AccessDenied" }],
      [{ ...stub, folderId: 999 }, { errorCode: "API_AccessDenied" }],
      [{ ...stub, name: " " }, { modelState: { "args.name": ["The Secret Name is required."] } }],
    ];
    for (const [body, error] of cases) {
      const answer = await api("/secrets", { method: "POST", body });
      expect([answer.status, await answer.json()]).toEqual([400, expect.objectContaining(error)]);
    }
    expect(await admin<Write[]>("writes")).toEqual([]);
  });

  it("takes items by field id alone, without a stub, as Delinea's Go SDK and MCP server send them", async () => {
    const body = { name: "bare", secretTemplateId: 6001, folderId: 4, items: [{ fieldId: 40, itemValue: "CORP\\bare" }, { fieldId: 41, itemValue: "pw" }] };
    const created = await json<{ id: number; siteId: number }>(api("/secrets", { method: "POST", body }));
    expect([await stored(created.id, "username"), created.siteId]).toEqual(["CORP\\bare", 1]);
  });
});

describe("setting a field", () => {
  const tricky = "it's \"quoted\" $HOME `whoami` 100% !x\nline 2\r\nünïcødé 🔑";

  it("stores the value byte for byte and answers it as a JSON string; null clears", async () => {
    const answer = await api("/secrets/12/fields/password", { method: "PUT", body: { value: tricky } });
    expect([answer.status, await answer.json()]).toEqual([200, tricky]);
    expect(await json(api("/secrets/12/fields/password"))).toBe(tricky);
    expect(await stored(12, "password")).toBe(tricky);
    await api("/secrets/12/fields/resource", { method: "PUT", body: { value: null } });
    expect(await stored(12, "resource")).toBe("");
  });

  it("needs a comment (in the body or as autoComment) on a comment-required secret, and records it", async () => {
    expect(await json(api("/secrets/13/fields/password", { method: "PUT", body: { value: "v1" } }))).toMatchObject({
      errorCode: "API_ValidateSecretAccessCommentRequired",
    });
    await api("/secrets/13/fields/password", { method: "PUT", body: { value: "v2", comment: "for alice" } });
    await api("/secrets/13/fields/password?autoComment=for%20bob", { method: "PUT", body: { value: "v3" } });
    expect(await stored(13, "password")).toBe("v3");
    expect((await admin<{ action: string; notes: string }[]>("audits/13")).map((a) => [a.action, a.notes])).toEqual([
      ["EDIT", "for bob"],
      ["EDIT", "for alice"],
    ]);
  });

  it("needs the caller's check-out on a check-out-enabled secret, and refuses unknown and file fields", async () => {
    expect(await json(api("/secrets/14/fields/password", { method: "PUT", body: { value: "x" } }))).toMatchObject({ errorCode: "API_CheckOutRequired" });
    await api("/secrets/14/check-out", { method: "POST" });
    expect(await json(api("/secrets/14/fields/password", { method: "PUT", body: { value: "x" } }))).toBe("x");
    expect(await json(api("/secrets/12/fields/api-key", { method: "PUT", body: { value: "x" } }))).toMatchObject({ errorCode: "API_FieldNotFound" });
    expect((await api("/secrets/15/fields/certificate", { method: "PUT", body: { value: "x" } })).status).toBe(400);
    expect(await json(api("/secrets/17/fields/password", { method: "PUT", body: { value: "x" } }))).toMatchObject({ errorCode: "API_AccessDenied" });
  });

  it("changes only the vault's copy of a remote-changing secret's password: the account keeps its own", async () => {
    await api("/secrets/20/fields/password", { method: "PUT", body: { value: "vault-only" } });
    const secret = await admin<Stored>("secrets/20");
    expect([secret.items[1]?.itemValue, secret.targetSystemPassword]).toEqual(["vault-only", "Svc-L0gin-Before-Rotation"]);
  });
});

describe("remote password change", () => {
  it("generates the next value from the field's requirement and changes the account and the vault together", async () => {
    const answer = await api("/secrets/20/change-password", { method: "POST", body: { comment: "rotation" } });
    expect(await answer.json()).toMatchObject({ id: 20, autoChangeEnabled: true });
    const secret = await admin<Stored>("secrets/20");
    const value = secret.items[1]!.itemValue;
    expect(secret.targetSystemPassword).toBe(value);
    expect(meets(value, await json<Requirement>(api("/password-requirements/1")))).toBe(true);
    expect(await admin<Write[]>("writes")).toMatchObject([{ action: "change-password", secretId: 20, comment: "rotation", values: { password: value } }]);
  });

  it("takes a given newPassword, and refuses a secret without remote password changing", async () => {
    await api("/secrets/20/change-password", { method: "POST", body: { newPassword: "Chosen-1" } });
    expect((await admin<Stored>("secrets/20")).targetSystemPassword).toBe("Chosen-1");
    expect(await json(api("/secrets/11/change-password", { method: "POST", body: {} }))).toMatchObject({ errorCode: "API_RemotePasswordChangingNotEnabled" });
  });
});

describe("reset and SDK-only mode", () => {
  it("brings every written value back to the seed's and forgets the writes", async () => {
    await api("/secrets/12/fields/password", { method: "PUT", body: { value: "changed" } });
    await api("/secrets", { method: "POST", body: await filledStub("gone", "pw") });
    server.reset();
    tokens.clear();
    expect(await stored(12, "password")).toBe("sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc");
    expect(await admin<Write[]>("writes")).toEqual([]);
    expect((await fetch(`${server.url}/_stand-in/secrets/1001`)).status).toBe(404);
    expect((await loadSeed()).secrets.find((s) => s.id === 12)?.items[1]?.itemValue).toBe("sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc");
  });

  it("serves the Go SDK's writes (create, field update, generator) and answers 404 for the rest", async () => {
    const base = `${server.url}/t/sdk-only-node-writes`;
    await fetch(`${base}/_stand-in/reset`, { method: "POST" });
    const status = async (path: string, method: string, body?: unknown) => (await api(path, { method, body }, base)).status;
    const bare = { name: "sdk", secretTemplateId: 6003, folderId: 8, siteId: 1, items: [{ fieldId: 61, itemValue: "pw" }] };
    expect(await status("/secrets", "POST", bare)).toBe(200);
    expect(await status("/secrets/12/fields/password", "PUT", { value: "x" })).toBe(200);
    expect(await status("/secret-templates/generate-password/61", "POST")).toBe(200);
    for (const [path, method] of [
      ["/secrets/stub?secretTemplateId=6003", "GET"],
      ["/secret-templates?filter.searchText=pass", "GET"],
      ["/password-requirements/1", "GET"],
      ["/secrets/20/change-password", "POST"],
    ] as const) {
      expect(await status(path, method), path).toBe(404);
    }
    expect(await stored(12, "password", base)).toBe("x");
  });
});

describe("seed", () => {
  const seedFile = async () => JSON.parse(JSON.stringify(await loadSeed())) as SeedFile & Record<string, never>;

  it("refuses a field naming an unknown password requirement, and a requirement no value can meet", async () => {
    const unknown = await seedFile();
    (unknown.templates[0]!.fields[1] as { passwordRequirementId?: number }).passwordRequirementId = 77;
    expect(() => parseSeed(unknown)).toThrow("template 6001 field password: no password requirement 77");
    const impossible = await seedFile();
    impossible.passwordRequirements![1]!.maxPasswordLength = 6;
    expect(() => parseSeed(impossible)).toThrow(/passwordRequirements\.1 \(id 2\): (minPasswordLength exceeds|its rules need)/);
  });

  it("falls back to a built-in default requirement for a seed that names none", async () => {
    const { passwordRequirements: _none, ...file } = await seedFile();
    for (const template of file.templates) for (const field of template.fields) delete (field as { passwordRequirementId?: number }).passwordRequirementId;
    expect(parseSeed(file).passwordRequirements).toMatchObject([{ id: 1, isDefault: true }]);
  });
});
