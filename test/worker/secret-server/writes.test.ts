// The client's writes against the real stand-in: templates and folders as a write names them,
// creating a secret (generated or given password), setting a field byte for byte, rotating a
// password (Secret Server's remote change where it is on), the comment and check-out rules, and
// that no value ever comes back or shows up in an error. Writes that cannot be repeated safely are
// sent once, whatever happens.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient, type SecretServerClientOptions, type WriteContext } from "../../../src/secret-server";
import { type PasswordRequirement, rejection, standIn } from "./stand-in";

const ss = standIn("client-writes");
const client = (options: SecretServerClientOptions = {}) => createSecretServerClient(ss.password, options);
const calls = async () => (await ss.stats()).calls;

const AGENTS_FOLDER = 8; // \Payments\agents
const PASSWORD_TEMPLATE = 6003; // resource, password (requirement 2)
const AD_TEMPLATE = 6001; // username (required), password (default requirement 1)
const STRIPE = 12;
const RPC_SECRET = 20; // \Ops\svc-login: remote password changing on
const ALICE: WriteContext = { requestedBy: "alice@example.com", ticketId: "t-42" };
/** Everything a shell could mangle, as the issue lists it, and more. */
const TRICKY = [
  `it's "quoted" $HOME \`whoami\` 100%s %n! !! \\ back`,
  "line one\nline two\n",
  "crlf\r\nend\r\n",
  "  leading and trailing spaces  ",
  "ünïcødé 🔑 日本語 \u200b zero-width",
  "${IFS};rm -rf / #",
  "\t\u0007\u001b[31mescapes",
];

function meets(value: string, requirement: PasswordRequirement): boolean {
  const chars = [...value];
  const countIn = (set: string) => chars.filter((c) => set.includes(c)).length;
  return (
    chars.length >= requirement.minPasswordLength &&
    chars.length <= requirement.maxPasswordLength &&
    countIn(requirement.allowedCharacterSet.value) === chars.length &&
    requirement.rules.every((rule) => countIn(rule.characterSet.value) >= rule.minCharactersRequired)
  );
}

/** The values the stand-in's generator issued, newest last. */
const generated = async () => (await ss.writes()).filter((w) => w.action === "generate-password").flatMap((w) => Object.values(w.values));
const uniqueName = () => `agent-key-${crypto.randomUUID().slice(0, 8)}`;
const createInAgents = (c = client(), overrides: Record<string, unknown> = {}) =>
  c.createSecret({
    folderId: AGENTS_FOLDER,
    templateId: PASSWORD_TEMPLATE,
    name: uniqueName(),
    fields: { resource: "https://api.example.test" },
    password: { generate: true },
    ...overrides,
  });

beforeEach(async () => {
  await ss.reset();
});

describe("templates and folders", () => {
  it("finds a template by exact name (any case) or by id, with each field's id, kind and whether it is required", async () => {
    const c = client();
    const byName = await c.templateByNameOrId("Password");
    expect(byName).toEqual({
      id: PASSWORD_TEMPLATE,
      name: "Password",
      fields: [
        { fieldId: 60, slug: "resource", name: "Resource", isPassword: false, isFile: false, isNotes: false, isRequired: false },
        { fieldId: 61, slug: "password", name: "Password", isPassword: true, isFile: false, isNotes: false, isRequired: true },
      ],
    });
    for (const ref of ["password", " PASSWORD ", PASSWORD_TEMPLATE, "6003"]) expect(await c.templateByNameOrId(ref)).toEqual(byName);
  });

  it("refuses a template name that matches only in part, no name at all, and an unknown id, without repeating the name", async () => {
    const c = client();
    for (const ref of ["Pass", "no such template sk_live_123", 9999, "", "a\nb", 0]) {
      const err = await rejection(c.templateByNameOrId(ref));
      expect(err.code, String(ref)).toBe("BAD_REQUEST");
      expect(err.message).not.toContain("sk_live");
    }
  });

  it("resolves a folder path in either separator style; the root is -1; an unknown folder is NOT_FOUND", async () => {
    const c = client();
    expect([await c.folderIdByPath("Payments/agents"), await c.folderIdByPath("\\Payments\\agents\\"), await c.folderIdByPath("/")]).toEqual([
      AGENTS_FOLDER,
      AGENTS_FOLDER,
      -1,
    ]);
    expect((await rejection(c.folderIdByPath("No/Such/Folder"))).code).toBe("NOT_FOUND");
    expect((await rejection(c.folderIdByPath("bad\u0000path"))).code).toBe("BAD_REQUEST");
  });
});

describe("creating a secret", () => {
  it("with a generated password: Secret Server's value goes into the new secret, meets the template's rules, and never comes back", async () => {
    const c = client();
    const name = uniqueName();
    const created = await createInAgents(c, { name });
    expect(created).toEqual({ id: expect.any(Number), name, folderId: AGENTS_FOLDER });
    const stored = await ss.stored(created.id);
    expect(stored).toMatchObject({ name, folderPath: "\\Payments\\agents", secretTemplateId: PASSWORD_TEMPLATE });
    const password = stored.items.find((i) => i.slug === "password")!.itemValue;
    expect(stored.items.find((i) => i.slug === "resource")!.itemValue).toBe("https://api.example.test");
    // The one value the generator issued is the one stored: straight from the generator into the POST.
    expect(await generated()).toEqual([password]);
    expect(meets(password, await ss.passwordRequirement(2))).toBe(true);
    expect(JSON.stringify(created)).not.toContain(password);
    expect(await calls()).toMatchObject({
      "GET /api/v1/secrets/stub": 1,
      "POST /api/v1/secret-templates/generate-password/{id}": 1,
      "POST /api/v1/secrets": 1,
    });
    // Readable by path like any other secret.
    expect(await c.readField({ path: `Payments/agents/${name}` }, "password")).toBe(password);
  });

  it("with a given password, stored byte for byte, and no password generated", async () => {
    for (const value of TRICKY) {
      const created = await createInAgents(client(), { password: { value } });
      expect(await ss.storedValue(created.id, "password")).toBe(value);
    }
    expect(await generated()).toEqual([]);
  });

  it("refuses an unknown field by name, a password or file field in fields, and a missing required field, before anything is made", async () => {
    const c = client();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ fields: { resource: "x", "api-key": "y" } }, /no field "api-key"/],
      [{ fields: { password: "pw-in-fields" } }, /"password" is a password field/],
      [{ templateId: 6034, fields: { host: "h" } }, /"certificate" is a file field|no password field/],
      [{ templateId: AD_TEMPLATE, fields: {} }, /"username" is required/],
      [{ fields: { "Bad Slug": "x" } }, /malformed/],
    ];
    for (const [overrides, message] of cases) {
      const err = await rejection(createInAgents(c, overrides));
      expect([err.code, err.message], JSON.stringify(overrides)).toEqual(["BAD_REQUEST", expect.stringMatching(message)]);
      expect(err.message).not.toContain("pw-in-fields");
    }
    const asked = await calls();
    expect([asked["POST /api/v1/secrets"], asked["GET /api/v1/secrets/stub"], asked["POST /api/v1/secret-templates/generate-password/{id}"]]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("refuses names that could not be found by path, bad values, and a name already taken in the folder", async () => {
    const c = client();
    for (const name of ["a/b", "a\\b", " padded", "", "tab\there"]) expect((await rejection(createInAgents(c, { name }))).code, name).toBe("BAD_REQUEST");
    for (const value of ["", "nul\u0000byte", "lone \ud800 surrogate", "x".repeat(128 * 1024 + 1)]) {
      const err = await rejection(createInAgents(c, { password: { value } }));
      expect(err.code).toBe("BAD_REQUEST");
      expect(`${err.message} ${err.detail}`).not.toContain(value || "\u0000");
    }
    const taken = await rejection(c.createSecret({ folderId: 3, templateId: PASSWORD_TEMPLATE, name: "stripe", fields: {}, password: { generate: true } }));
    expect([taken.code, taken.message]).toEqual(["BAD_REQUEST", "A secret with that name already exists in that folder."]);
    expect((await calls())["POST /api/v1/secrets"]).toBeUndefined();
  });
});

describe("setting a field", () => {
  it("stores exactly the bytes given, quotes, $, backticks, %, !, unicode and newlines included, and reads them back", async () => {
    const c = client();
    for (const value of TRICKY) {
      await c.setField(STRIPE, "password", value, ALICE);
      expect(await ss.storedValue(STRIPE, "password")).toBe(value);
      expect(await c.readField({ id: STRIPE }, "password")).toBe(value);
    }
    const [edit] = (await ss.audits(STRIPE)).filter((a) => a.action === "EDIT");
    expect(edit?.notes).toBe("claimcheck for alice@example.com, ticket t-42");
  });

  it("refuses empty, NUL-containing, malformed and oversized values before calling Secret Server, without repeating them", async () => {
    const c = client();
    const before = (await ss.stats()).requests;
    for (const value of ["", "a\u0000b", "\udfff", "é".repeat(64 * 1024 + 1)]) {
      const err = await rejection(c.setField(STRIPE, "password", value, ALICE));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toMatch(/^The value for field "password" /);
    }
    for (const call of [c.setField(STRIPE, "../x", "v", ALICE), c.setField(-1, "password", "v", ALICE)]) expect((await rejection(call)).code).toBe("BAD_REQUEST");
    expect((await ss.stats()).requests).toBe(before);
  });

  it("asks for the human's reason on a comment-required secret, and puts it in Secret Server's audit", async () => {
    const c = client();
    const err = await rejection(c.setField(13, "password", "new-payout-key", ALICE));
    expect(err.code).toBe("COMMENT_REQUIRED");
    expect(await ss.storedValue(13, "password")).toBe("payout-key-7Hq2-vX9p");
    await c.setField(13, "password", "new-payout-key", { ...ALICE, comment: "rotated after\nthe incident" });
    expect(await ss.storedValue(13, "password")).toBe("new-payout-key");
    expect((await ss.audits(13))[0]).toMatchObject({ action: "EDIT", notes: "claimcheck for alice@example.com, ticket t-42: rotated after the incident" });
  });

  it("checks a check-out-enabled secret out around the write and in again; someone else's check-out is SECRET_CHECKED_OUT", async () => {
    const c = client();
    await c.setField(14, "password", "Br3ak-Glass-Next!", ALICE);
    expect((await ss.audits(14)).map((a) => a.action).reverse()).toEqual(["CHECKOUT", "EDIT", "CHECKIN"]);
    expect((await ss.stats()).checkedOut).toEqual({ 18: "dana" });
    expect((await rejection(c.setField(18, "password", "nope", ALICE))).code).toBe("SECRET_CHECKED_OUT");
    expect(await ss.storedValue(18, "password")).toBe("Sh4red-Adm1n-Pw");
  });

  it("spares the guard lookup when the caller knows them, and answers NOT_FOUND for a field or secret that is not there", async () => {
    const c = client();
    await c.setField(STRIPE, "resource", "https://api.stripe.test", { ...ALICE, known: { requiresComment: false, checkOutEnabled: false } });
    expect(Object.keys(await calls()).filter((route) => route.startsWith("GET"))).toEqual([]);
    expect((await rejection(c.setField(STRIPE, "api-key", "v", ALICE))).code).toBe("NOT_FOUND");
    expect((await rejection(c.setField(9999, "password", "v", ALICE))).code).toBe("NOT_FOUND");
  });
});

describe("rotating a password", () => {
  it("without remote password changing: a generated value that meets the rules is set in the field, never returned", async () => {
    const rotation = await client({ now: () => Date.parse("2030-01-02T03:04:05Z") }).rotatePassword(STRIPE, "password", ALICE);
    expect(rotation).toEqual({ rotatedAt: "2030-01-02T03:04:05.000Z", remote: false });
    const value = (await ss.storedValue(STRIPE, "password"))!;
    expect(value).not.toBe("sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc");
    expect(await generated()).toEqual([value]);
    expect(meets(value, await ss.passwordRequirement(2))).toBe(true);
    expect((await calls())["POST /api/v1/secrets/{id}/change-password"]).toBeUndefined();
  });

  it("with remote password changing: Secret Server's change-password, so the account changes too, and claimcheck never holds the value", async () => {
    const rotation = await client().rotatePassword(RPC_SECRET, "password", { ...ALICE, comment: "quarterly rotation" });
    expect(rotation.remote).toBe(true);
    const stored = await ss.stored(RPC_SECRET);
    const value = stored.items.find((i) => i.slug === "password")!.itemValue;
    expect(value).not.toBe("Svc-L0gin-Before-Rotation");
    expect(stored.targetSystemPassword).toBe(value);
    expect(meets(value, await ss.passwordRequirement(1))).toBe(true);
    const asked = await calls();
    expect([asked["POST /api/v1/secrets/{id}/change-password"], asked["POST /api/v1/secret-templates/generate-password/{id}"]]).toEqual([1, undefined]);
    const [change] = (await ss.writes()).filter((w) => w.action === "change-password");
    expect(change?.comment).toBe("claimcheck for alice@example.com, ticket t-42: quarterly rotation");
  });

  it("refuses a field that is not a password, one the template lacks, and a comment-required secret without a reason", async () => {
    const c = client();
    expect((await rejection(c.rotatePassword(STRIPE, "resource", ALICE))).message).toMatch(/"resource" is not a password field/);
    expect((await rejection(c.rotatePassword(STRIPE, "api-key", ALICE))).message).toMatch(/no field "api-key"/);
    expect((await rejection(c.rotatePassword(13, "password", ALICE))).code).toBe("COMMENT_REQUIRED");
    expect(await ss.writes()).toEqual([]);
  });

  it("refuses to guess when Secret Server does not say whether remote password changing is on", async () => {
    const c = client({
      fetch: async (input, init) => {
        const url = new Request(input).url;
        const answer = await fetch(url, init);
        if (!/\/summary$/.test(new URL(url).pathname)) return answer;
        const { autoChangeEnabled: _dropped, ...summary } = (await answer.json()) as Record<string, unknown>;
        return Response.json(summary);
      },
    });
    expect((await rejection(c.rotatePassword(RPC_SECRET, "password", ALICE))).code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(await ss.writes()).toEqual([]);
  });
});

describe("when Secret Server misbehaves", () => {
  it("never sends a create twice: one that timed out, or got a 503, is not repeated, and the error says it may exist", async () => {
    await ss.faults({ faults: [{ kind: "hang", path: "/api/v1/secrets", method: "POST" }] });
    const err = await rejection(createInAgents(client({ timeoutMs: 300, maxRetries: 2 })));
    expect([err.code, err.detail]).toEqual(["UPSTREAM_UNAVAILABLE", expect.stringMatching(/may have been created$/)]);
    await ss.faults({ faults: [{ kind: "status", status: 503, path: "/api/v1/secrets", method: "POST" }] });
    expect((await rejection(createInAgents())).code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await calls())["POST /api/v1/secrets"]).toBe(2);
  });

  it("never repeats a remote password change, but retries what is safe to repeat: generating and setting a field", async () => {
    await ss.faults({ faults: [{ kind: "status", status: 503, path: `/api/v1/secrets/${RPC_SECRET}/change-password` }] });
    expect((await rejection(client().rotatePassword(RPC_SECRET, "password", ALICE))).code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await calls())["POST /api/v1/secrets/{id}/change-password"]).toBe(1);
    await ss.faults({
      faults: [
        { kind: "status", status: 503, path: "/api/v1/secret-templates/generate-password" },
        { kind: "status", status: 503, path: `/api/v1/secrets/${STRIPE}/fields/password`, method: "PUT" },
      ],
    });
    expect((await client().rotatePassword(STRIPE, "password", ALICE)).remote).toBe(false);
    const asked = await calls();
    expect([asked["POST /api/v1/secret-templates/generate-password/{id}"], asked["PUT /api/v1/secrets/{id}/fields/password"]]).toEqual([2, 2]);
  });

  it("keeps the value being written, generated values and Secret Server's error bodies out of every error", async () => {
    const seeded = (await ss.secretsInSeed()).filter((v) => v.length >= 6);
    const value = "deposit-value-Qx7!$`%'\"";
    const c = client({ maxRetries: 0 });
    // Injected 500s echo a seeded password and the request body, which holds the value.
    await ss.faults({ faults: [{ kind: "status", status: 500, path: `/api/v1/secrets/${STRIPE}/fields`, method: "PUT" }] });
    const errors = [await rejection(c.setField(STRIPE, "password", value, ALICE))];
    await ss.faults({ faults: [{ kind: "status", status: 500, path: "/api/v1/secrets", method: "POST" }] });
    errors.push(await rejection(createInAgents(c, { password: { value } })));
    await ss.faults({ faults: [{ kind: "status", status: 500, path: "/api/v1/secrets", method: "POST" }] });
    errors.push(await rejection(createInAgents(c)));
    await ss.faults({ faults: [{ kind: "html", path: `/api/v1/secrets/${STRIPE}/fields`, method: "PUT" }] });
    errors.push(await rejection(c.rotatePassword(STRIPE, "password", ALICE)));
    expect(errors.map((e) => e.code)).toEqual(["UPSTREAM_UNAVAILABLE", "UPSTREAM_UNAVAILABLE", "UPSTREAM_UNAVAILABLE", "UPSTREAM_BAD_RESPONSE"]);
    const shown = errors.map((e) => [e.message, e.detail ?? "", JSON.stringify(e), String(e.stack)].join("\n")).join("\n");
    for (const secret of [value, ...(await generated()), ...seeded]) expect(shown.includes(secret), `leaked: ${secret.slice(0, 3)}…`).toBe(false);
    expect(shown).not.toMatch(/exception|stack ?trace|decrypt/i);
  });
});

describe("a server built only to Delinea's SDKs", () => {
  const sdk = standIn("sdk-only-client-writes");
  const sdkClient = () => createSecretServerClient(sdk.password);

  beforeEach(async () => {
    await sdk.reset();
  });

  it("creates without a stub (items by field id, as Delinea's MCP server sends them) and sets fields", async () => {
    const c = sdkClient();
    const created = await c.createSecret({ folderId: AGENTS_FOLDER, templateId: PASSWORD_TEMPLATE, name: "sdk-made", fields: { resource: "r" }, password: { value: TRICKY[0]! } });
    expect(await sdk.storedValue(created.id, "password")).toBe(TRICKY[0]);
    await c.setField(created.id, "password", TRICKY[1]!, ALICE);
    expect(await sdk.storedValue(created.id, "password")).toBe(TRICKY[1]);
    expect((await sdk.stats()).calls["GET /api/v1/secrets/stub"]).toBe(1);
  });

  it("looks templates up by id only, and refuses to rotate a remote-changing secret it cannot change remotely", async () => {
    const c = sdkClient();
    expect((await c.templateByNameOrId(PASSWORD_TEMPLATE)).name).toBe("Password");
    expect((await rejection(c.templateByNameOrId("Password"))).message).toMatch(/cannot look templates up by name/);
    expect((await rejection(c.rotatePassword(RPC_SECRET, "password", ALICE))).code).toBe("UPSTREAM_BAD_RESPONSE");
    expect(await sdk.storedValue(RPC_SECRET, "password")).toBe("Svc-L0gin-Before-Rotation");
    expect((await c.rotatePassword(STRIPE, "password", ALICE)).remote).toBe(false);
  });
});
