import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/digest";
import { auditRowsAfter, ciRoute, lastAuditId } from "./ci-route";
import { ciIssuer, GITHUB_JOB, GITLAB_JOB } from "./ci-issuer";

// POST /ci/redeem end to end inside workerd: tokens from the local issuer (GitHub's and GitLab's
// claim sets), the CI_TRUST binding of vitest.config.ts (test/fixtures/ci-issuer/test-trust.ts),
// the real JtiReplayStore and D1, and Secret Server's stand-in on this file's tenant.
const route = ciRoute("ci-redeem");
const github = ciIssuer("github");
const gitlab = ciIssuer("gitlab");

const STRIPE = "sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc";
const TRICKY = "it's \"quoted\" $HOME `whoami` 100%s %n\\ back\nsecond line\tünïcødé 🔑 ${IFS};rm -rf /";
const PAYOUT = "payout-key-7Hq2-vX9p";
const stripe = { path: "Payments/stripe", field: "password", name: "STRIPE_KEY" };
const tricky = { path: "db/tricky", field: "password", name: "TRICKY" };

beforeAll(() => route.secretServer.reset());

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

describe("happy paths", () => {
  it("releases the asked secrets to a GitHub Actions job, as JSON, never cached", async () => {
    const before = await lastAuditId();
    const res = await route.redeem(await github.mint(), { secrets: [stripe, tricky] });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/json");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Pragma")).toBe("no-cache");
    expect(await res.json()).toEqual({ secrets: { STRIPE_KEY: STRIPE, TRICKY } });

    const rows = await auditRowsAfter(before);
    expect(rows.map((r) => [r.event, r.outcome, r.secret_id, r.secret_path, r.field])).toEqual([
      ["redeem", "ok", 12, "Payments/stripe", "password"],
      ["redeem", "ok", 16, "db/tricky", "password"],
    ]);
    expect(rows[0]).toMatchObject({ subject: `repo:${GITHUB_JOB.repository}:ref:refs/heads/main`, client_id: github.url });
    expect(rows[0]!.detail).toMatchObject({
      repository: GITHUB_JOB.repository,
      repository_id: GITHUB_JOB.repositoryId,
      ref: "refs/heads/main",
      workflow_ref: `${GITHUB_JOB.repository}/.github/workflows/deploy.yml@refs/heads/main`,
      run_id: "8912345678",
      event_name: "push",
      variable: "STRIPE_KEY",
    });
    expect(rows[0]!.detail!.token_id).toMatch(/^[0-9a-f]{12}$/);
  });

  it("releases a comment-required secret to a GitLab job that gives a reason, and Secret Server's audit names the job", async () => {
    const before = await lastAuditId();
    const payout = { path: "Payments/Restricted/payout-signing-key", field: "password", name: "PAYOUT_KEY" };
    const res = await route.redeem(await gitlab.mint({ profile: "gitlab" }), { secrets: [payout], comment: "release 1.4 payouts" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ secrets: { PAYOUT_KEY: PAYOUT } });

    const [row] = await auditRowsAfter(before);
    expect(row).toMatchObject({ event: "redeem", subject: `project_path:${GITLAB_JOB.projectPath}:ref_type:branch:ref:main`, client_id: gitlab.url });
    expect(row!.detail).toMatchObject({ project_id: GITLAB_JOB.projectId, pipeline_id: "1212", job_id: "9001", ref: "main" });
    const [view] = await route.secretServer.audits(13);
    expect(view!.notes).toContain(`CI project_path:${GITLAB_JOB.projectPath}`);
    expect(view!.notes).toContain(row!.detail!.token_id);
    expect(view!.notes).toContain("release 1.4 payouts");
  });

  it("answers a POSIX shell script when asked, each value single-quoted", async () => {
    const res = await route.redeem(await github.mint(), { secrets: [stripe, tricky] }, { Accept: "text/x-shellscript" });
    expect(res.headers.get("Content-Type")).toBe("text/x-shellscript; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).toBe(`export STRIPE_KEY='${STRIPE}'\nexport TRICKY='${TRICKY.replaceAll("'", "'\\''")}'\n`);
  });

  it("answers dotenv when asked, and refuses (releasing nothing) a value dotenv cannot carry exactly", async () => {
    const plain = await route.redeem(await github.mint(), { secrets: [stripe] }, { Accept: "text/x-dotenv" });
    expect(plain.headers.get("Content-Type")).toBe("text/x-dotenv; charset=utf-8");
    expect(plain.headers.get("Cache-Control")).toBe("no-store");
    expect(await plain.text()).toBe(`STRIPE_KEY='${STRIPE}'\n`);

    const before = await lastAuditId();
    const res = await route.redeem(await github.mint(), { secrets: [stripe, tricky] }, { Accept: "text/x-dotenv" });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text).not.toContain(STRIPE);
    expect(text).not.toContain("quoted");
    expect((await auditRowsAfter(before)).map((r) => [r.event, r.outcome])).toEqual([
      ["deny", "VALUE_UNSUPPORTED"],
      ["deny", "VALUE_UNSUPPORTED"],
    ]);
  });
});

describe("single use", () => {
  it("refuses a replayed token with the same 401 as any bad token, and audits it as a replay", async () => {
    const token = await github.mint();
    expect((await route.redeem(token, { secrets: [stripe] })).status).toBe(200);
    const before = await lastAuditId();
    const again = await route.redeem(token, { secrets: [stripe] });
    expect(again.status).toBe(401);
    expect(await errorOf(again)).toBe("CI_TOKEN_REJECTED");
    expect(again.headers.get("Cache-Control")).toBe("no-store");
    const [row] = await auditRowsAfter(before);
    expect(row).toMatchObject({ event: "replay", outcome: "used", client_id: github.url });
  });

  it("lets exactly one of two racing redemptions of one token through", async () => {
    const token = await github.mint();
    const statuses = (await Promise.all([route.redeem(token, { secrets: [stripe] }), route.redeem(token, { secrets: [stripe] })])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 401]);
  });

  it("remembers a used token, by hash only, until it could no longer verify anyway", async () => {
    // GitLab's token lives an hour, but the trust allows 15 minutes of age: the age bounds it.
    const token = await gitlab.mint({ profile: "gitlab" });
    expect((await route.redeem(token, { secrets: [stripe] })).status).toBe(200);
    const { jti, iat } = decodeJwt(token);
    const store = env.JTI_REPLAY.get(env.JTI_REPLAY.idFromName(gitlab.url));
    const rows = await runInDurableObject(store, (_i, state) => state.storage.sql.exec("SELECT * FROM used_tokens").toArray());
    expect(rows).toContainEqual({ jti_hash: await sha256Hex(jti!), forget_at: (iat! + 900 + 30) * 1000 + 60_000 });
    expect(JSON.stringify(rows)).not.toContain(jti);
  });

  it("does not use the token up on a malformed request", async () => {
    const token = await github.mint();
    expect((await route.redeem(token, { secrets: [{ ...stripe, name: "1BAD" }] })).status).toBe(400);
    expect((await route.redeem(token, { secrets: [stripe] })).status).toBe(200);
  });
});

describe("claim rules", () => {
  it("refuses claims that match no rule, without asking Secret Server anything", async () => {
    const requestsBefore = (await route.secretServer.stats()).requests;
    const before = await lastAuditId();
    const res = await route.redeem(await github.mint({ claims: { repository_id: "999" } }), { secrets: [stripe] });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("FORBIDDEN");
    expect((await route.secretServer.stats()).requests).toBe(requestsBefore);
    expect((await auditRowsAfter(before)).map((r) => [r.event, r.outcome, r.secret_path])).toEqual([["deny", "no_rule", "Payments/stripe"]]);
  });

  it("compares claims case-sensitively: refs/heads/Main is not refs/heads/main", async () => {
    const res = await route.redeem(await github.mint({ claims: { ref: "refs/heads/Main" } }), { secrets: [stripe] });
    expect(res.status).toBe(403);
  });

  it("refuses a rule that matches but not for the asked path, and then releases nothing at all", async () => {
    const before = await lastAuditId();
    const prod = { path: "db/prod", field: "password", name: "DB_PASSWORD" };
    const res = await route.redeem(await github.mint(), { secrets: [stripe, prod] });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain(STRIPE);
    expect((await auditRowsAfter(before)).map((r) => [r.event, r.outcome, r.secret_path])).toEqual([
      ["deny", "withheld", "Payments/stripe"],
      ["deny", "path_not_allowed", "db/prod"],
    ]);
  });

  it("refuses pull_request_target, pull_request and workflow_run unless a rule names the event exactly", async () => {
    for (const event_name of ["pull_request_target", "pull_request", "workflow_run"]) {
      const res = await route.redeem(await github.mint({ claims: { event_name } }), { secrets: [stripe] });
      expect(res.status, event_name).toBe(403);
    }
    const before = await lastAuditId();
    await route.redeem(await github.mint({ claims: { event_name: "pull_request" } }), { secrets: [stripe] });
    expect((await auditRowsAfter(before))[0]).toMatchObject({ event: "deny", outcome: "untrusted_trigger" });

    // The second rule names pull_request_target, for Certs/** only.
    const cert = { path: "Certs/tls-bundle", field: "host", name: "TLS_HOST" };
    const named = await route.redeem(await github.mint({ claims: { event_name: "pull_request_target" } }), { secrets: [cert] });
    expect(named.status).toBe(200);
    expect(await named.json()).toEqual({ secrets: { TLS_HOST: "api.example.test" } });
  });

  it("refuses GitLab merge request pipelines unless a rule names them", async () => {
    const res = await route.redeem(await gitlab.mint({ profile: "gitlab", claims: { pipeline_source: "merge_request_event" } }), { secrets: [stripe] });
    expect(res.status).toBe(403);
  });

  it("answers a missing secret under an allowed path like any refusal, and releases nothing", async () => {
    const before = await lastAuditId();
    const missing = { path: "Payments/nope", field: "password", name: "NOPE" };
    const res = await route.redeem(await github.mint(), { secrets: [stripe, missing] });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(STRIPE);
    expect((await auditRowsAfter(before)).map((r) => [r.event, r.outcome, r.secret_path])).toEqual([
      ["deny", "withheld", "Payments/stripe"],
      ["deny", "NOT_FOUND", "Payments/nope"],
    ]);
  });

  it("releases nothing when Secret Server fails on one value after another was read", async () => {
    await route.secretServer.faults({ faults: [{ kind: "status", status: 503, count: 5, path: "/api/v1/secrets/16/restricted" }] });
    try {
      const before = await lastAuditId();
      const res = await route.redeem(await github.mint(), { secrets: [stripe, tricky] });
      expect(res.status).toBe(502);
      expect(await res.text()).not.toContain(STRIPE);
      expect((await auditRowsAfter(before)).map((r) => [r.event, r.outcome, r.secret_path])).toEqual([
        ["deny", "withheld", "Payments/stripe"],
        ["upstream_error", "UPSTREAM_UNAVAILABLE", "db/tricky"],
      ]);
    } finally {
      await route.secretServer.reset();
    }
  });

  it("trusts nobody when CI_TRUST is unset (deny by default)", async () => {
    const { CI_TRUST: _unset, ...rest } = env as Env & { CI_TRUST?: string };
    const res = await route.redeem(await github.mint(), { secrets: [stripe] }, {}, rest as Env);
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe("CI_TOKEN_REJECTED");
  });
});

describe("requests", () => {
  it.each([
    ["no secrets", { secrets: [] }],
    ["a bad variable name", { secrets: [{ ...stripe, name: "STRIPE-KEY" }] }],
    ["bash's own $_ as a name", { secrets: [{ ...stripe, name: "_" }] }],
    ["a duplicate variable name", { secrets: [stripe, { ...tricky, name: "STRIPE_KEY" }] }],
    ["an unknown key", { secrets: [stripe], extra: true }],
    ["a control character in a path", { secrets: [{ ...stripe, path: "Payments/\nstripe" }] }],
    ["not JSON", "{secrets"],
  ])("refuses a body with %s", async (_what, body) => {
    const res = await route.redeem(await github.mint(), body);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toBe("BAD_REQUEST");
  });

  it("refuses a body over 16 KiB", async () => {
    const res = await route.redeem(await github.mint(), { secrets: [stripe], comment: "x".repeat(17 * 1024) });
    expect(res.status).toBe(400);
  });

  it("refuses a body that is not declared JSON", async () => {
    const res = await route.redeem(await github.mint(), { secrets: [stripe] }, { "Content-Type": "text/plain" });
    expect(res.status).toBe(400);
  });

  it("asks for a token when there is none, and audits the attempt", async () => {
    const before = await lastAuditId();
    const res = await route.redeem("", { secrets: [stripe] }, { Authorization: "" });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toBe("UNAUTHORIZED");
    expect((await auditRowsAfter(before))[0]).toMatchObject({ event: "deny", outcome: "token_missing" });
  });

  it("refuses a flood from one address with 429 before reading or auditing anything", async () => {
    const from = { "CF-Connecting-IP": "198.51.100.9", Authorization: "Bearer forged.token.value" };
    const before = await lastAuditId();
    const answers = await Promise.all(Array.from({ length: 80 }, () => route.redeem("", { secrets: [stripe] }, from)));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get("Retry-After")).toBe("10");
    expect(await errorOf(limited[0]!)).toBe("RATE_LIMITED");
    // Only the requests that got through were audited (as refusals of a bad token).
    expect((await auditRowsAfter(before)).length).toBe(answers.length - limited.length);
    // A job on another runner is not held back.
    const other = await route.redeem(await github.mint(), { secrets: [stripe] });
    expect(other.status).toBe(200);
  });
});
