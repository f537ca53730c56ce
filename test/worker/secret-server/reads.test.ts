// The client against the real stand-in: finding secrets, reading fields, comments and check-outs.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient } from "../../../src/secret-server";
import { TEMPLATE_TTL_MS } from "../../../src/secret-server/secret-templates";
import { PROD_DESCRIBED, rejection, standIn } from "./stand-in";

const ss = standIn("client-reads");
const client = () => createSecretServerClient(ss.password);
const TEMPLATE_READS = "GET /api/v1/secret-templates/{id}";
const templateReads = async () => (await ss.stats()).calls[TEMPLATE_READS] ?? 0;

beforeEach(async () => {
  await ss.reset();
});

describe("finding secrets", () => {
  it("finds a secret by path in either separator style, with its folder path and fields but no values", async () => {
    const c = client();
    const bySlash = await c.getSecret({ path: "db/prod" });
    const byBackslash = await c.getSecret({ path: "\\db\\prod" });
    expect(bySlash).toEqual(byBackslash);
    expect(bySlash).toEqual(PROD_DESCRIBED);
    expect(JSON.stringify(bySlash)).not.toContain("Pr0d-db-S3cret!");
    expect(await c.getSecret({ id: 11 })).toEqual(bySlash);
  });

  it("describes a secret without reading it: no GET /secrets/{id}, no value moved, no VIEW in Secret Server's audit", async () => {
    await client().getSecret({ id: 11 });
    expect((await ss.stats()).calls).toEqual({
      "POST /oauth2/token": 1,
      "GET /api/v1/secrets/{id}/summary": 1,
      "GET /api/v1/folders/{id}": 1,
      "GET /api/v1/secret-templates/{id}": 1,
    });
    await client().getSecret({ path: "db/prod" });
    const { calls, secretReads } = await ss.stats();
    expect(Object.keys(calls).filter((route) => !/summary|folders|secret-templates|oauth2|^GET \/api\/v1\/secrets$/.test(route))).toEqual([]);
    expect(calls["GET /api/v1/secrets"]).toBe(1); // the exact search in the folder
    expect(secretReads).toBe(0);
    expect(await ss.audits(11)).toEqual([]);
  });

  it("lists the fields of comment-required and check-out secrets too, from their templates, without reading them", async () => {
    const c = client();
    const password = { slug: "password", fieldName: "Password", isPassword: true, isFile: false };
    expect(await c.getSecret({ path: "Payments/Restricted/payout-signing-key" })).toEqual({
      id: 13,
      name: "payout-signing-key",
      folderId: 7,
      folderPath: "\\Payments\\Restricted",
      requiresComment: true,
      requiresApproval: false,
      checkOutEnabled: false,
      checkedOut: false,
      fields: [{ slug: "resource", fieldName: "Resource", isPassword: false, isFile: false }, password],
    });
    expect(await c.getSecret({ id: 13 })).toMatchObject({ id: 13, requiresComment: true });
    const username = { slug: "username", fieldName: "Username", isPassword: false, isFile: false };
    expect(await c.getSecret({ id: 14 })).toMatchObject({ checkOutEnabled: true, checkedOut: false, fields: [username, password] });
    expect(await c.getSecret({ path: "Ops/shared-admin" })).toMatchObject({ checkOutEnabled: true, checkedOut: true, fields: [username, password] });
    const { calls, secretReads, checkedOut } = await ss.stats();
    expect(secretReads).toBe(0);
    expect(checkedOut).toEqual({ 18: "dana" });
    expect(Object.keys(calls).some((route) => /restricted|check-out|check-in|fields|\/secrets\/\{id\}$/.test(route))).toBe(false);
    for (const id of [13, 14, 18]) expect(await ss.audits(id)).toEqual([]);
  });

  it("marks file fields, from the template", async () => {
    const { fields } = await client().getSecret({ id: 15 });
    expect(fields).toEqual([
      { slug: "host", fieldName: "Host", isPassword: false, isFile: false },
      { slug: "certificate", fieldName: "Certificate", isPassword: false, isFile: true },
    ]);
  });

  it("searches by name, returning summaries with folder paths and field slugs", async () => {
    const results = await client().search("stri");
    expect(results).toEqual([
      {
        id: 12,
        name: "stripe",
        folderId: 3,
        folderPath: "\\Payments",
        requiresComment: false,
        checkOutEnabled: false,
        fields: [
          { slug: "resource", fieldName: "Resource", isPassword: false, isFile: false },
          { slug: "password", fieldName: "Password", isPassword: true, isFile: false },
        ],
      },
    ]);
    expect(await client().search("no-such-secret")).toEqual([]);
  });

  it("finds comment-required secrets by search too (they are 'restricted' to Secret Server)", async () => {
    const [found] = await client().search("payout");
    expect(found).toMatchObject({ id: 13, requiresComment: true, fields: [{ slug: "resource" }, { slug: "password" }] });
  });

  it("answers NOT_FOUND alike for a missing and a forbidden secret", async () => {
    const missing = await rejection(client().getSecret({ id: 9999 }));
    const forbidden = await rejection(client().getSecret({ path: "HR/payroll" }));
    expect([missing.code, forbidden.code]).toEqual(["NOT_FOUND", "NOT_FOUND"]);
    expect(forbidden.message).toBe(missing.message);
  });

  it("refuses malformed references, slugs and search text before calling Secret Server", async () => {
    const before = (await ss.stats()).requests;
    for (const call of [
      client().getSecret({ path: "///" }),
      client().getSecret({ id: -1 }),
      client().readField({ id: 11 }, "../password"),
      client().search("a\u0000b"),
    ]) {
      expect((await rejection(call)).code).toBe("BAD_REQUEST");
    }
    expect((await ss.stats()).requests).toBe(before);
  });
});

describe("secret templates", () => {
  it("asks once per distinct template for a whole search, and not again for the secrets found", async () => {
    const c = client();
    const results = await c.search("r"); // prod, stripe, break-glass, tricky, shared-admin (payroll is hidden)
    expect(results.map((r) => r.id)).toEqual([14, 11, 18, 12, 16]);
    expect(await templateReads()).toBe(3); // templates 6001, 6003, 6008
    await c.getSecret({ id: 12 });
    await c.getSecret({ path: "Ops/break-glass" });
    expect(await templateReads()).toBe(3);
  });

  it("shares one request among concurrent askers of the same template", async () => {
    const c = client();
    const found = await Promise.all([11, 12, 13, 16, 12, 13].map((id) => c.getSecret({ id })));
    expect(found.map((s) => s.fields.length)).toEqual([4, 2, 2, 2, 2, 2]);
    expect(await templateReads()).toBe(2); // 6008 and 6003
  });

  it("asks again once the cached template is older than its TTL", async () => {
    let clock = 1_000_000;
    const c = createSecretServerClient(ss.password, { now: () => clock });
    await c.getSecret({ id: 12 });
    clock += TEMPLATE_TTL_MS - 1;
    await c.getSecret({ id: 16 });
    expect(await templateReads()).toBe(1);
    clock += 1;
    await c.getSecret({ id: 12 });
    expect(await templateReads()).toBe(2);
  });

  it("says the operator must act when Secret Server refuses a secret's template, and does not remember the failure", async () => {
    // The stand-in does not know template 9999: it answers 400 API_AccessDenied, as for a template
    // the application account may not view.
    let breakTemplate = true;
    const c = createSecretServerClient(ss.password, {
      fetch: (input, init) => {
        const url = new Request(input).url;
        return fetch(breakTemplate ? url.replace("/secret-templates/6003", "/secret-templates/9999") : url, init);
      },
    });
    for (const call of [c.getSecret({ id: 12 }), c.search("stripe")]) {
      const err = await rejection(call);
      expect(err.code).toBe("CONFIG_INVALID");
      expect(err.detail).toBe(
        "secret template 6003: Secret Server answered 400 API_AccessDenied; the application account must be allowed to view secret templates",
      );
      expect(err.message).not.toMatch(/no such secret/i);
    }
    breakTemplate = false;
    expect((await c.getSecret({ id: 12 })).fields.map((f) => f.slug)).toEqual(["resource", "password"]);
  });
});

describe("reading fields", () => {
  it("reads text fields exactly, including quotes, $, backticks, newlines, % and unicode", async () => {
    expect(await client().readField({ path: "db/prod" }, "password")).toBe("Pr0d-db-S3cret!");
    expect(await client().readField({ id: 16 }, "password")).toBe(
      "it's \"quoted\" $HOME `whoami` 100%s %n\\ back\nsecond line\tünïcødé 🔑 ${IFS};rm -rf /",
    );
  });

  it("reads a file field's content", async () => {
    const pem = await client().readField({ path: "Certs/tls-bundle" }, "certificate");
    expect(pem).toBe("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-fake-key-material\n-----END PRIVATE KEY-----\n");
  });

  it("answers NOT_FOUND for a field the secret does not have", async () => {
    expect((await rejection(client().readField({ id: 11 }, "api-key"))).code).toBe("NOT_FOUND");
  });

  it("moves only the requested field and leaves exactly one audit entry, by id or by path", async () => {
    await client().readField({ id: 11 }, "username", { requestedBy: "alice@example.com" });
    await client().readField({ path: "db/prod" }, "username", { requestedBy: "alice@example.com" });
    expect((await ss.stats()).secretReads).toBe(2);
    expect((await ss.audits(11)).map((a) => a.action)).toEqual(["VIEW", "VIEW"]);
  });

  it("names the human and the ticket in Secret Server's own audit", async () => {
    await client().readField({ id: 12 }, "password", { requestedBy: "alice@example.com", ticketId: "t-3f2a" });
    const [view] = await ss.audits(12);
    expect(view).toMatchObject({ action: "VIEW", notes: "claimcheck for alice@example.com, ticket t-3f2a" });
  });
});

describe("comment-required secrets", () => {
  it("asks for a comment before reading anything", async () => {
    const err = await rejection(client().readField({ id: 13 }, "password", { requestedBy: "alice@example.com" }));
    expect(err.code).toBe("COMMENT_REQUIRED");
    expect((await ss.stats()).secretReads).toBe(0);
  });

  it("reads with the comment, which Secret Server records with the requester", async () => {
    const value = await client().readField({ path: "Payments/Restricted/payout-signing-key" }, "password", {
      requestedBy: "alice@example.com",
      ticketId: "t-77",
      comment: "monthly payout run\nINJECTED LINE",
    });
    expect(value).toBe("payout-key-7Hq2-vX9p");
    const [view] = await ss.audits(13);
    expect(view?.notes).toBe("claimcheck for alice@example.com, ticket t-77: monthly payout run INJECTED LINE");
  });
});

describe("check-out-enabled secrets", () => {
  it("checks out, reads and checks in again, leaving the secret free", async () => {
    const value = await client().readField({ path: "Ops/break-glass" }, "password", { requestedBy: "bob@example.com" });
    expect(value).toBe("Br3ak-Glass-0nly!");
    const actions = (await ss.audits(14)).map((a) => a.action).reverse();
    expect(actions).toEqual(["CHECKOUT", "VIEW", "CHECKIN"]);
    expect((await ss.stats()).checkedOut).not.toHaveProperty("14");
  });

  it("checks in even when the read fails", async () => {
    expect((await rejection(client().readField({ id: 14 }, "api-key"))).code).toBe("NOT_FOUND");
    await ss.faults({ faults: [{ kind: "status", status: 500, path: "/api/v1/secrets/14/restricted" }] });
    expect((await rejection(client().readField({ id: 14 }, "password"))).code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await ss.stats()).checkedOut).not.toHaveProperty("14");
  });

  it("answers SECRET_CHECKED_OUT when someone else holds the secret", async () => {
    const err = await rejection(client().readField({ id: 18 }, "password"));
    expect(err.code).toBe("SECRET_CHECKED_OUT");
    expect((await ss.stats()).checkedOut).toEqual({ 18: "dana" });
  });
});
