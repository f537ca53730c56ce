import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CiTrust } from "../../../src/ci/ci-trust";
import { pathAllowed, rulesMatching, untrustedTrigger } from "../../../src/ci/claim-rules";

// CI_TRUST's schema and the claim rules: pure functions, checked exhaustively.
const ISSUER = "https://token.actions.githubusercontent.com";

function trustWith(rules: unknown[]) {
  return CiTrust.parse([{ issuer: ISSUER, audience: "https://claimcheck.example", rules }])[0]!;
}

const push = {
  iss: ISSUER,
  sub: "repo:octo-org/octo-repo:ref:refs/heads/main",
  repository: "octo-org/octo-repo",
  repository_id: "123456",
  repository_owner_id: "65",
  ref: "refs/heads/main",
  event_name: "push",
  job_workflow_ref: "octo-org/shared/.github/workflows/deploy.yml@refs/tags/v2",
  runner_id: 7,
};

describe("CI_TRUST", () => {
  it("defaults to the RS256 algorithm and ten minutes of token age", () => {
    const [entry] = CiTrust.parse([{ issuer: ISSUER, audience: "a", rules: [{ claims: { repository_id: "1" }, paths: ["x"] }] }]);
    expect(entry).toMatchObject({ algorithms: ["RS256"], maxTokenAgeSeconds: 600 });
  });

  it.each([
    ["a rule pinning no identity claim", [{ issuer: ISSUER, audience: "a", rules: [{ claims: { ref: "refs/heads/main" }, paths: ["x"] }] }]],
    ["an identity claim given as a glob only", [{ issuer: ISSUER, audience: "a", rules: [{ claims: { repository_id: "12*" }, paths: ["x"] }] }]],
    ["a rule without paths", [{ issuer: ISSUER, audience: "a", rules: [{ claims: { repository_id: "1" }, paths: [] }] }]],
    ["an issuer without rules", [{ issuer: ISSUER, audience: "a", rules: [] }]],
    ["an issuer without an audience", [{ issuer: ISSUER, rules: [{ claims: { repository_id: "1" }, paths: ["x"] }] }]],
    ["plain http to a remote issuer", [{ issuer: "http://gitlab.example", audience: "a", rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }]],
    ["an issuer with a query", [{ issuer: `${ISSUER}?x=1`, audience: "a", rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }]],
    ["a symmetric algorithm", [{ issuer: ISSUER, audience: "a", algorithms: ["HS256"], rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }]],
    ["alg none", [{ issuer: ISSUER, audience: "a", algorithms: ["none"], rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }]],
    ["a token age of a day", [{ issuer: ISSUER, audience: "a", maxTokenAgeSeconds: 86_400, rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }]],
    ["an unknown key", [{ issuer: ISSUER, audience: "a", subject: "x", rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }]],
    ["the same issuer twice", [1, 2].map(() => ({ issuer: ISSUER, audience: "a", rules: [{ claims: { project_id: "1" }, paths: ["x"] }] }))],
  ])("refuses %s", (_what, value) => {
    expect(CiTrust.safeParse(value).success).toBe(false);
  });

  it("takes a loopback http issuer, for local runs", () => {
    const local = [{ issuer: "http://127.0.0.1:8788/github", audience: "a", rules: [{ claims: { sub: "x" }, paths: ["x"] }] }];
    expect(CiTrust.safeParse(local).success).toBe(true);
  });
});

describe("rulesMatching", () => {
  it("matches when every listed claim matches, globs included", () => {
    const trust = trustWith([
      { claims: { repository_id: "123456", ref: "refs/heads/*" }, paths: ["a/**"] },
      { claims: { repository_id: "123456", ref: "refs/tags/*" }, paths: ["b/**"] },
      { claims: { repository_id: "123456", job_workflow_ref: "octo-org/shared/.github/workflows/deploy.yml@refs/tags/v*" }, paths: ["c/**"] },
    ]);
    expect(rulesMatching(trust, push).map((r) => r.paths[0])).toEqual(["a/**", "c/**"]);
  });

  it("never matches a claim the token lacks, or one that is not text", () => {
    const trust = trustWith([{ claims: { repository_id: "123456", environment: "*" }, paths: ["a"] }]);
    expect(rulesMatching(trust, push)).toEqual([]);
    expect(rulesMatching(trust, { ...push, environment: ["prod"] })).toEqual([]);
    expect(rulesMatching(trust, { ...push, environment: "prod" })).toHaveLength(1);
  });

  it("compares numbers and booleans as their text", () => {
    const trust = trustWith([{ claims: { repository_id: "123456", runner_id: "7" }, paths: ["a"] }]);
    expect(rulesMatching(trust, push)).toHaveLength(1);
  });

  it("is case-sensitive, unlike secret paths", () => {
    const trust = trustWith([{ claims: { repository_id: "123456", ref: "refs/heads/main" }, paths: ["a"] }]);
    expect(rulesMatching(trust, { ...push, ref: "refs/heads/MAIN" })).toEqual([]);
  });

  it("lets an untrusted trigger through only a rule that names it exactly", () => {
    const trust = trustWith([
      { claims: { repository_id: "123456" }, paths: ["any"] },
      { claims: { repository_id: "123456", event_name: "pull_*" }, paths: ["glob"] },
      { claims: { repository_id: "123456", event_name: "pull_request_target" }, paths: ["named"] },
    ]);
    const prt = { ...push, event_name: "pull_request_target" };
    expect(rulesMatching(trust, prt).map((r) => r.paths[0])).toEqual(["named"]);
    expect(rulesMatching(trust, { ...push, event_name: "pull_request" })).toEqual([]);
    expect(rulesMatching(trust, push).map((r) => r.paths[0])).toEqual(["any"]);
  });

  it("treats regular-expression characters in claim values literally", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z.+()[\]{}|^$\\]{1,12}$/), (value) => {
        const trust = trustWith([{ claims: { repository_id: value }, paths: ["a"] }]);
        expect(rulesMatching(trust, { repository_id: value })).toHaveLength(1);
        expect(rulesMatching(trust, { repository_id: `${value}x` })).toHaveLength(0);
        expect(rulesMatching(trust, { repository_id: value.toUpperCase() === value ? `${value}X` : value.toUpperCase() })).toHaveLength(0);
      }),
    );
  });
});

describe("untrustedTrigger", () => {
  it.each([
    [{ event_name: "pull_request_target" }, "pull_request_target"],
    [{ event_name: "pull_request" }, "pull_request"],
    [{ event_name: "workflow_run" }, "workflow_run"],
    [{ pipeline_source: "merge_request_event" }, "merge_request_event"],
    [{ pipeline_source: "external_pull_request_event" }, "external_pull_request_event"],
    [{ event_name: "push" }, undefined],
    [{ pipeline_source: "schedule" }, undefined],
  ])("%j → %s", (claims, value) => {
    expect(untrustedTrigger(claims)?.value).toBe(value);
  });
});

describe("pathAllowed", () => {
  const rules = trustWith([{ claims: { repository_id: "1" }, paths: ["Payments/*", "\\db\\tricky"] }]).rules;

  it.each([
    ["Payments/stripe", true],
    ["\\Payments\\stripe", true],
    ["payments/STRIPE", true],
    ["Payments/Restricted/payout-signing-key", false],
    ["db/tricky", true],
    ["db/prod", false],
    ["PaymentsX/stripe", false],
  ])("%s → %s", (path, expected) => {
    expect(pathAllowed(rules, path)).toBe(expected);
  });
});
