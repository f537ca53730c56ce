// The client against the real stand-in: Secret Server's own approval workflow. A secret that
// requires approval is described as such, its state says so, its values stay refused until an
// access request is approved and current, and nothing unexpected ever reads as approved.
import { beforeEach, describe, expect, it } from "vitest";
import { createSecretServerClient, type SecretServerClientOptions } from "../../../src/secret-server";
import { rejection, standIn } from "./stand-in";

const ss = standIn("client-access-requests");
const client = (options: SecretServerClientOptions = {}) => createSecretServerClient(ss.password, options);

/** `\db\sign-off` in dev/secret-server/seed.json: approval required, approver `dana`. */
const GATED = 19;
const GATED_PASSWORD = "L3dger-S1gn-0ff!";
const HOUR_MS = 3_600_000;
const COMMENT = "claimcheck: alice@example.com via OAuth client c-1, ticket t-9";
const POSTS = "POST /api/v1/secret-access-requests";

type Listed = { secretAccessRequestId: number; requestComment: string; requestUsername: string; status: string };
const listed = async () => (await (await fetch(`${ss.url}/_stand-in/access-requests`)).json()) as Listed[];
/** Decides as the secret's approver would (see dev/secret-server/README.md). */
async function decide(id: number, body: Record<string, unknown>): Promise<void> {
  const answer = await fetch(`${ss.url}/_stand-in/access-requests/${id}`, { method: "POST", body: JSON.stringify(body) });
  if (!answer.ok) throw new Error(`stand-in decision: ${answer.status}`);
}
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR_MS);
const ask = (c = client(), overrides: Record<string, unknown> = {}) =>
  c.requestAccess({ secretId: GATED, comment: COMMENT, startDate: hoursFromNow(0), expirationDate: hoursFromNow(1), ...overrides });
const readGated = (c = client()) => c.readField({ id: GATED }, "password", { requestedBy: "alice@example.com", ticketId: "t-9" });

/** A fetch that rewrites one property of every access-request answer, as another server version might send it. */
function rewritingAccessRequests(change: Record<string, unknown>): SecretServerClientOptions["fetch"] {
  return async (input, init) => {
    const url = new Request(input).url;
    const answer = await fetch(url, init);
    if (!/\/secret-access-requests/.test(url) || !answer.ok) return answer;
    return Response.json({ ...((await answer.json()) as object), ...change });
  };
}

beforeEach(async () => {
  await ss.reset();
});

describe("a secret that requires approval", () => {
  it("is described as such, by id and by path, without reading it", async () => {
    const c = client();
    const described = await c.getSecret({ id: GATED });
    expect(described).toEqual({
      id: GATED,
      name: "sign-off",
      folderId: 2,
      folderPath: "\\db",
      requiresComment: false,
      requiresApproval: true,
      checkOutEnabled: false,
      checkedOut: false,
      fields: [
        { slug: "resource", fieldName: "Resource", isPassword: false, isFile: false },
        { slug: "password", fieldName: "Password", isPassword: true, isFile: false },
      ],
    });
    expect(await c.getSecret({ path: "db/sign-off" })).toEqual(described);
    expect((await c.getSecret({ id: 11 })).requiresApproval).toBe(false);
    expect((await ss.stats()).secretReads).toBe(0);
  });

  it("reads as not requiring approval where Secret Server leaves the flag out or null (its own read still decides)", async () => {
    for (const flag of [undefined, null]) {
      const c = client({
        fetch: async (input, init) => {
          const url = new Request(input).url;
          const answer = await fetch(url, init);
          if (!/\/summary$/.test(new URL(url).pathname)) return answer;
          return Response.json({ ...((await answer.json()) as object), requiresApproval: flag });
        },
      });
      expect((await c.getSecret({ id: GATED })).requiresApproval).toBe(false);
      expect((await rejection(readGated(c))).code).toBe("NOT_FOUND");
    }
  });

  it("has the state RequiresApproval for the app account, and others theirs", async () => {
    const c = client();
    expect([await c.secretState(GATED), await c.secretState(11), await c.secretState(13)]).toEqual(["RequiresApproval", "None", "RequiresComment"]);
    expect((await rejection(c.secretState(9999))).code).toBe("NOT_FOUND");
  });

  it("keeps its values refused before approval, moving nothing", async () => {
    expect((await rejection(readGated())).code).toBe("NOT_FOUND");
    expect((await ss.stats()).secretReads).toBe(0);
    expect(await ss.audits(GATED)).toEqual([]);
  });
});

describe("requesting access", () => {
  it("files one request whose comment names the human, follows it to Approved, and then reads the value", async () => {
    const c = client();
    const startDate = hoursFromNow(0);
    const expirationDate = hoursFromNow(1);
    const filed = await c.requestAccess({ secretId: GATED, comment: COMMENT, startDate, expirationDate });
    const window = { startDate: startDate.toISOString(), expirationDate: expirationDate.toISOString() };
    expect(filed).toEqual({ id: expect.any(Number), secretId: GATED, status: "Pending", ...window });
    expect(await listed()).toMatchObject([
      { secretAccessRequestId: filed.id, requestComment: COMMENT, requestUsername: "claimcheck-app", status: "Pending" },
    ]);
    expect(await c.accessRequest(filed.id)).toEqual(filed);
    expect((await rejection(readGated(c))).code).toBe("NOT_FOUND");

    await decide(filed.id, { status: "Approved" });
    expect(await c.accessRequest(filed.id)).toEqual({ ...filed, status: "Approved" });
    expect(await c.secretState(GATED)).toBe("None");
    expect(await readGated(c)).toBe(GATED_PASSWORD);
    const [view] = await ss.audits(GATED);
    expect(view).toMatchObject({ action: "VIEW", notes: "claimcheck for alice@example.com, ticket t-9" });
    expect((await ss.stats()).calls[POSTS]).toBe(1);
  });

  it("keeps a denied or canceled request from opening the secret", async () => {
    for (const status of ["Denied", "Canceled"] as const) {
      const { id } = await ask();
      await decide(id, { status, responseComment: "not now" });
      expect((await client().accessRequest(id)).status).toBe(status);
      expect((await rejection(readGated())).code).toBe("NOT_FOUND");
    }
  });

  it("reads an approval whose window has ended as Unknown, never Approved, and the value stays refused", async () => {
    const { id } = await ask();
    await decide(id, { status: "Approved", startDate: hoursFromNow(-2).toISOString(), expirationDate: hoursFromNow(-1).toISOString() });
    expect((await client().accessRequest(id)).status).toBe("Unknown"); // Secret Server's "Expired"
    expect(await client().secretState(GATED)).toBe("RequiresApproval");
    expect((await rejection(readGated())).code).toBe("NOT_FOUND");
  });

  it("keeps an approval that has not started yet from opening the secret", async () => {
    const { id } = await ask(client(), { startDate: hoursFromNow(1), expirationDate: hoursFromNow(2) });
    await decide(id, { status: "Approved" });
    expect((await client().accessRequest(id)).status).toBe("Approved");
    expect((await rejection(readGated())).code).toBe("NOT_FOUND");
  });

  it("reads any status it does not know, a changed case included, as Unknown", async () => {
    const { id } = await ask();
    await decide(id, { status: "Approved" });
    for (const status of ["Revoked", "WaitingForRequest", "approved", "APPROVED", "Approved ", "", null]) {
      expect((await client({ fetch: rewritingAccessRequests({ status }) }).accessRequest(id)).status, String(status)).toBe("Unknown");
    }
    // Not a string at all is not an answer this client understands.
    expect((await rejection(client({ fetch: rewritingAccessRequests({ status: 1 }) }).accessRequest(id))).code).toBe("UPSTREAM_BAD_RESPONSE");
  });

  it("cleans the comment to one line, so a reason cannot forge lines in an approver's view", async () => {
    await ask(client(), { comment: "for alice\r\nApproved-by: security\u202e\u0007 " });
    expect((await listed())[0]?.requestComment).toBe("for alice Approved-by: security");
  });

  it("refuses a malformed request before calling Secret Server", async () => {
    const before = (await ss.stats()).requests;
    const c = client();
    const calls = [
      ask(c, { secretId: 0 }),
      ask(c, { secretId: -1 }),
      ask(c, { secretId: 1.5 }),
      ask(c, { secretId: 2 ** 31 }),
      ask(c, { comment: "" }),
      ask(c, { comment: " \n\t\u200b" }),
      ask(c, { comment: "x".repeat(501) }),
      ask(c, { startDate: new Date(Number.NaN) }),
      ask(c, { expirationDate: new Date("not a date") }),
      ask(c, { startDate: hoursFromNow(2), expirationDate: hoursFromNow(1) }),
      ask(c, { startDate: hoursFromNow(-2), expirationDate: hoursFromNow(-1) }),
      ask(c, { expirationDate: "2030-01-01T00:00:00Z" }),
      c.accessRequest(0),
      c.accessRequest(Number.NaN),
      c.secretState(-1),
    ];
    for (const call of calls) expect((await rejection(call)).code).toBe("BAD_REQUEST");
    expect((await ss.stats()).requests).toBe(before);
    expect(await listed()).toEqual([]);
  });

  it("answers NOT_FOUND for a request that does not exist or is not the app account's to see", async () => {
    expect((await rejection(client().accessRequest(9999))).code).toBe("NOT_FOUND");
  });
});

describe("when Secret Server misbehaves", () => {
  it("never files twice: a request that timed out is not sent again", async () => {
    await ss.faults({ faults: [{ kind: "hang", path: "/api/v1/secret-access-requests" }] });
    const err = await rejection(ask(client({ timeoutMs: 200, maxRetries: 2 })));
    expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await ss.stats()).calls[POSTS]).toBe(1);
  });

  it("does not retry a 503 or a 429 either, and says which it was", async () => {
    await ss.faults({
      faults: [
        { kind: "status", status: 503, path: "/api/v1/secret-access-requests" },
        { kind: "status", status: 429, retryAfter: 1, path: "/api/v1/secret-access-requests" },
      ],
    });
    expect((await rejection(ask())).code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await rejection(ask())).code).toBe("RATE_LIMITED");
    expect((await ss.stats()).calls[POSTS]).toBe(2);
  });

  it("still retries the reads, which are safe to repeat", async () => {
    const { id } = await ask();
    await ss.faults({ faults: [{ kind: "status", status: 503, path: `/api/v1/secret-access-requests/${id}` }] });
    expect((await client().accessRequest(id)).status).toBe("Pending");
  });

  it("keeps Secret Server's error bodies out of its errors", async () => {
    const seeded = await ss.secretsInSeed();
    await ss.faults({ faults: [{ kind: "status", status: 500, path: "/api/v1/secret-access-requests" }] });
    const err = await rejection(ask());
    expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
    const shown = [err.message, err.detail ?? "", JSON.stringify(err)].join("\n");
    for (const value of seeded) expect(shown.includes(value)).toBe(false);
    expect(shown).not.toMatch(/exception|stack|decrypt/i);
  });

  it("answers UPSTREAM_BAD_RESPONSE for malformed JSON, an HTML page, or an answer about another secret or request", async () => {
    const { id } = await ask();
    await ss.faults({ faults: [{ kind: "malformed-json", path: `/api/v1/secrets/${GATED}/state` }] });
    expect((await rejection(client().secretState(GATED))).code).toBe("UPSTREAM_BAD_RESPONSE");
    await ss.faults({ faults: [{ kind: "html", path: "/api/v1/secret-access-requests" }] });
    expect((await rejection(client().accessRequest(id))).code).toBe("UPSTREAM_BAD_RESPONSE");
    expect((await rejection(client({ fetch: rewritingAccessRequests({ secretAccessRequestId: id + 1 }) }).accessRequest(id))).code).toBe(
      "UPSTREAM_BAD_RESPONSE",
    );
    expect((await rejection(ask(client({ fetch: rewritingAccessRequests({ secretId: 11 }) })))).code).toBe("UPSTREAM_BAD_RESPONSE");
  });
});
