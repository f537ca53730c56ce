// The client against a Secret Server that serves only what Delinea's SDKs call (the stand-in's
// `sdk-only-` tenant): no summary, restricted read, check-out or audit route, and a search that
// ignores every filter but its text. Everything still works, values are still never kept, and a
// redemption still costs one request once the client knows what the server lacks.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient, type SecretServerClientOptions } from "../../../src/secret-server";
import { DESCRIBE_COMMENT } from "../../../src/secret-server/find-secret";
import { MISSING_ROUTE_TTL_MS } from "../../../src/secret-server/route-support";
import { PROD_DESCRIBED, rejection, standIn } from "./stand-in";

const ss = standIn("sdk-only-client");
const client = (options: SecretServerClientOptions = {}) => createSecretServerClient(ss.password, options);
const calls = async () => (await ss.stats()).calls;

const STRIPE_FIELDS = [
  { slug: "resource", fieldName: "Resource", isPassword: false, isFile: false },
  { slug: "password", fieldName: "Password", isPassword: true, isFile: false },
];

/** A fetch that answers 404, as for a route the server does not have, for URLs matching `route`. */
function withoutRoute(route: RegExp): SecretServerClientOptions["fetch"] {
  return (input, init) => {
    const url = new Request(input).url;
    return route.test(url) ? Promise.resolve(Response.json({ message: "No HTTP resource was found" }, { status: 404 })) : fetch(url, init);
  };
}

/** A fetch whose secret searches ignore the search text and return at most `take` records. */
function searchIgnoringText(take: number): SecretServerClientOptions["fetch"] {
  return (input, init) => {
    const url = new URL(new Request(input).url);
    if (/\/api\/v1\/secrets$/.test(url.pathname)) {
      url.searchParams.delete("filter.searchText");
      url.searchParams.set("take", String(take));
    }
    return fetch(url, init);
  };
}

beforeEach(async () => {
  await ss.reset();
});

describe("the SDK-only server", () => {
  it("answers 404 for the routes no SDK calls", async () => {
    const c = client();
    await c.readField({ id: 12 }, "password", { known: { requiresComment: false, checkOutEnabled: false } });
    await c.getSecret({ id: 12 });
    const asked = await calls();
    expect(asked["POST /api/v1/secrets/{id}/restricted/fields/password"]).toBe(1);
    expect(asked["GET /api/v1/secrets/{id}/summary"]).toBe(1);
    // The stand-in counts every request, so the fallbacks show up next to the routes that 404ed.
    expect(asked["GET /api/v1/secrets/{id}/fields/password"]).toBe(1);
    expect(asked["GET /api/v1/secrets/{id}"]).toBe(1);
  });
});

describe("describing secrets", () => {
  it("finds a secret by path without reading it: the SDKs' folder lookup, a search matched here, the template", async () => {
    const found = await client().getSecret({ path: "db/prod" });
    expect(found).toEqual(PROD_DESCRIBED);
    const { secretReads, calls: asked } = await ss.stats();
    expect(secretReads).toBe(0);
    expect(Object.keys(asked).sort()).toEqual([
      "GET /api/v1/folders/{id}",
      "GET /api/v1/secret-templates/{id}",
      "GET /api/v1/secrets",
      "POST /oauth2/token",
    ]);
  });

  it("describes a secret by id by reading it as the SDKs do, keeping slugs and flags and no value", async () => {
    const found = await client().getSecret({ id: 11 });
    expect(found).toEqual(PROD_DESCRIBED);
    expect(JSON.stringify(found)).not.toContain("Pr0d-db-S3cret!");
    expect(await ss.audits(11)).toEqual([expect.objectContaining({ action: "VIEW", notes: null })]);
  });

  it("asks for the missing summary route once per client, then goes straight to the read", async () => {
    const c = client();
    for (const id of [11, 12, 16]) await c.getSecret({ id });
    const asked = await calls();
    expect(asked["GET /api/v1/secrets/{id}/summary"]).toBe(1);
    expect(asked["GET /api/v1/secrets/{id}"]).toBe(3);
  });

  it("asks for a missing route again once the memory of its absence lapses", async () => {
    let clock = 1_000_000;
    const c = client({ now: () => clock });
    await c.getSecret({ id: 11 });
    clock += MISSING_ROUTE_TTL_MS - 1;
    await c.getSecret({ id: 12 });
    expect((await calls())["GET /api/v1/secrets/{id}/summary"]).toBe(1);
    clock += 1;
    await c.getSecret({ id: 16 });
    expect((await calls())["GET /api/v1/secrets/{id}/summary"]).toBe(2);
  });

  it("lists a comment-required secret's fields with a read that says why in Secret Server's audit", async () => {
    const found = await client().getSecret({ id: 13 });
    expect(found).toMatchObject({ id: 13, requiresComment: true, folderPath: "\\Payments\\Restricted", fields: STRIPE_FIELDS });
    expect(JSON.stringify(found)).not.toContain("payout-key-7Hq2-vX9p");
    const [view] = await ss.audits(13);
    expect(view).toMatchObject({ action: "VIEW", notes: DESCRIBE_COMMENT });
  });

  it("marks file fields from the items' attachments", async () => {
    const { fields } = await client().getSecret({ id: 15 });
    expect(fields).toEqual([
      { slug: "host", fieldName: "Host", isPassword: false, isFile: false },
      { slug: "certificate", fieldName: "Certificate", isPassword: false, isFile: true },
    ]);
  });

  it("matches name and folder itself when the search ignores its text, without reading any secret", async () => {
    const c = client({ fetch: searchIgnoringText(50) });
    expect(await c.getSecret({ path: "db/prod" })).toEqual(PROD_DESCRIBED);
    expect(await c.getSecret({ path: "Ops/break-glass" })).toMatchObject({ id: 14, checkOutEnabled: true });
    expect((await ss.stats()).secretReads).toBe(0);
    expect((await rejection(c.getSecret({ path: "Payments/prod" }))).code).toBe("NOT_FOUND");
  });

  it("settles a path the search page did not reach with the SDKs' path lookup", async () => {
    const found = await client({ fetch: searchIgnoringText(2) }).getSecret({ path: "\\db\\tricky" });
    expect(found).toMatchObject({ id: 16, name: "tricky", folderPath: "\\db", fields: STRIPE_FIELDS });
    expect(JSON.stringify(found)).not.toContain("$HOME");
    expect((await calls())["GET /api/v1/secrets/{id}"]).toBe(1); // id 0 with secretPath
  });

  it("answers NOT_FOUND alike for a missing and a forbidden secret, by id and by path", async () => {
    const errors = await Promise.all([
      rejection(client().getSecret({ id: 9999 })),
      rejection(client().getSecret({ id: 17 })),
      rejection(client().getSecret({ path: "HR/payroll" })),
      rejection(client().getSecret({ path: "db/nope" })),
    ]);
    expect(errors.map((e) => e.code)).toEqual(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]);
    expect(new Set(errors.map((e) => e.message)).size).toBe(1);
  });

  it("matches folder paths itself when the server cannot look folders up by path", async () => {
    const c = client({ fetch: withoutRoute(/\/folders\/0\?/) });
    expect(await c.getSecret({ path: "db/prod" })).toEqual(PROD_DESCRIBED);
    expect(await c.getSecret({ path: "Payments/Restricted/payout-signing-key" })).toMatchObject({ id: 13 });
    expect((await rejection(c.getSecret({ path: "Payments/tricky" }))).code).toBe("NOT_FOUND");
    expect((await ss.stats()).secretReads).toBe(0);
  });

  it("learns fields from the secret itself when the server has no template route", async () => {
    let templateAsks = 0;
    const noTemplates = withoutRoute(/\/secret-templates\//)!;
    const c = client({
      fetch: (input, init) => {
        if (new Request(input).url.includes("/secret-templates/")) templateAsks++;
        return noTemplates(input, init);
      },
    });
    expect(await c.getSecret({ path: "db/prod" })).toEqual(PROD_DESCRIBED);
    const [stripe] = await c.search("stripe");
    expect(stripe).toMatchObject({ id: 12, fields: STRIPE_FIELDS });
    expect(templateAsks).toBe(1);
  });

  it("describes search records that carry only an id and a name (all the SDKs read) by id", async () => {
    const c = client({
      fetch: async (input, init) => {
        const url = new Request(input).url;
        const answer = await fetch(url, init);
        if (!/\/api\/v1\/secrets\?/.test(url)) return answer;
        const page = (await answer.json()) as { records: { id: number; name: string }[] };
        return Response.json({ records: page.records.map(({ id, name }) => ({ id, name })) });
      },
    });
    expect(await c.search("stri")).toEqual([
      { id: 12, name: "stripe", folderId: 3, folderPath: "\\Payments", requiresComment: false, checkOutEnabled: false, fields: STRIPE_FIELDS },
    ]);
    expect(await c.getSecret({ path: "db/prod" })).toEqual(PROD_DESCRIBED);
  });
});

describe("search", () => {
  it("lists matches with folder paths and field slugs, comment-required ones included, reading nothing", async () => {
    const results = await client().search("e");
    expect(results.map((r) => r.id)).toEqual([14, 13, 18, 12, 15]);
    expect(results.find((r) => r.id === 13)).toMatchObject({ requiresComment: true, folderPath: "\\Payments\\Restricted", fields: STRIPE_FIELDS });
    expect((await ss.stats()).secretReads).toBe(0);
  });
});

describe("reading fields", () => {
  it("falls back to the SDKs' field read once, then costs one request per read, each audited with our comment", async () => {
    const c = client();
    // What a redemption knows from the mint, which spares a lookup of the secret's guards.
    const context = { requestedBy: "alice@example.com", ticketId: "t-1", known: { requiresComment: false, checkOutEnabled: false } };
    expect(await c.readField({ id: 11 }, "password", context)).toBe("Pr0d-db-S3cret!");
    const before = (await ss.stats()).requests;
    for (let i = 0; i < 3; i++) expect(await c.readField({ id: 11 }, "password", context)).toBe("Pr0d-db-S3cret!");
    const after = await ss.stats();
    expect(after.requests - before).toBe(3);
    expect(after.calls["POST /api/v1/secrets/{id}/restricted/fields/password"]).toBe(1);
    const views = await ss.audits(11);
    expect(views.map((v) => [v.action, v.notes])).toEqual(Array(4).fill(["VIEW", "claimcheck for alice@example.com, ticket t-1"]));
  });

  it("learns the guards of a secret named by path or without what the mint learnt, then reads the one field", async () => {
    const c = client();
    expect(await c.readField({ path: "db/prod" }, "username")).toBe("app_prod");
    expect(await c.readField({ id: 16 }, "resource")).toBe("shell-quoting torture test");
    expect((await ss.stats()).secretReads).toBe(3); // the field by path; the secret by id (no summary), then its field
  });

  it("reads a file field's content", async () => {
    expect(await client().readField({ path: "Certs/tls-bundle" }, "certificate")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it("reads a comment-required secret with the human's comment, and refuses before any request without one", async () => {
    const c = client();
    const before = (await ss.stats()).requests;
    const err = await rejection(c.readField({ id: 13 }, "password", { requestedBy: "alice@example.com", known: { requiresComment: true, checkOutEnabled: false } }));
    expect(err.code).toBe("COMMENT_REQUIRED");
    expect((await ss.stats()).requests).toBe(before);
    const value = await c.readField({ id: 13 }, "password", { requestedBy: "alice@example.com", ticketId: "t-9", comment: "payout run" });
    expect(value).toBe("payout-key-7Hq2-vX9p");
    const [view] = await ss.audits(13);
    expect(view).toMatchObject({ action: "VIEW", notes: "claimcheck for alice@example.com, ticket t-9: payout run" });
  });

  it("reads a check-out-enabled secret without a check-out where the server has none, asking once per client", async () => {
    const c = client();
    const known = { requiresComment: false, checkOutEnabled: true };
    expect(await c.readField({ id: 14 }, "password", { known })).toBe("Br3ak-Glass-0nly!");
    expect(await c.readField({ id: 14 }, "username", { known })).toBe("CORP\\break-glass");
    const asked = await calls();
    expect(asked["POST /api/v1/secrets/{id}/check-out"]).toBe(1);
    expect(asked["POST /api/v1/secrets/{id}/check-in"]).toBeUndefined();
    expect((await ss.audits(14)).map((a) => a.action)).toEqual(["VIEW", "VIEW"]);
  });

  it("answers NOT_FOUND for a field the secret does not have", async () => {
    expect((await rejection(client().readField({ id: 11 }, "api-key"))).code).toBe("NOT_FOUND");
  });
});

describe("leaks", () => {
  it("keeps every seeded value out of descriptions, searches and errors, even when the server's errors echo one", async () => {
    const seeded = (await ss.secretsInSeed()).filter((v) => v.length >= 6);
    const c = client();
    const outputs: unknown[] = [];
    for (const id of [11, 12, 13, 14, 15, 16, 18]) outputs.push(await c.getSecret({ id }));
    outputs.push(await c.search("a"));
    outputs.push(await c.getSecret({ path: "Certs/tls-bundle" }));
    // Injected 500s echo a real password in their body, like a stack trace might.
    await ss.faults({ faults: [{ kind: "status", status: 500, count: 2, path: "/api/v1/secrets/11" }] });
    for (const call of [c.getSecret({ id: 11 }), c.readField({ id: 11 }, "password")]) {
      const err = await rejection(call);
      expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
      outputs.push(err.message, err.detail ?? "", JSON.stringify(err), String(err.stack));
    }
    const text = JSON.stringify(outputs);
    for (const value of seeded) expect(text.includes(value), `a seeded value leaked: ${value.slice(0, 3)}…`).toBe(false);
  });
});
