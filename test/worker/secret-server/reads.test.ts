// The client against the real stand-in: finding secrets, reading fields, comments and check-outs.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient } from "../../../src/secret-server";
import { rejection, standIn } from "./stand-in";

const ss = standIn("client-reads");
const client = () => createSecretServerClient(ss.password);

beforeEach(async () => {
  await ss.reset();
});

describe("finding secrets", () => {
  it("finds a secret by path in either separator style, with its folder path and fields but no values", async () => {
    const c = client();
    const bySlash = await c.getSecret({ path: "db/prod" });
    const byBackslash = await c.getSecret({ path: "\\db\\prod" });
    expect(bySlash).toEqual(byBackslash);
    expect(bySlash).toEqual({
      id: 11,
      name: "prod",
      folderId: 2,
      folderPath: "\\db",
      requiresComment: false,
      checkOutEnabled: false,
      checkedOut: false,
      fields: [
        { slug: "server", fieldName: "Server", isPassword: false, isFile: false },
        { slug: "username", fieldName: "Username", isPassword: false, isFile: false },
        { slug: "password", fieldName: "Password", isPassword: true, isFile: false },
        { slug: "notes", fieldName: "Notes", isPassword: false, isFile: false },
      ],
    });
    expect(JSON.stringify(bySlash)).not.toContain("Pr0d-db-S3cret!");
    expect(await c.getSecret({ id: 11 })).toEqual(bySlash);
  });

  it("describes a comment-required secret from its state, without reading its body", async () => {
    const info = await client().getSecret({ path: "Payments/Restricted/payout-signing-key" });
    expect(info).toMatchObject({ id: 13, folderPath: "\\Payments\\Restricted", requiresComment: true, fields: undefined });
    expect((await ss.stats()).secretReads).toBe(0);
  });

  it("searches by name, returning summaries with folder paths", async () => {
    const results = await client().search("stri");
    expect(results).toEqual([
      { id: 12, name: "stripe", folderId: 3, folderPath: "\\Payments", requiresComment: false, checkOutEnabled: false },
    ]);
    expect(await client().search("no-such-secret")).toEqual([]);
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
