import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AccessPolicy, isAllowed, normalizeSecretPath, rulesFor } from "../../../src/policy/access-policy";
import { matchesGlob } from "../../../src/policy/glob";

const policy = AccessPolicy.parse([
  { groups: ["payments"], paths: ["Payments/**"] },
  { emails: ["Ops@Corp.example"], paths: ["**"] },
  { subjects: ["svc-42"], ids: [42] },
]);
const alice = { sub: "a", email: "alice@corp.example", groups: ["payments"] };
const ops = { sub: "o", email: "ops@corp.example", groups: [] };
const mallory = { sub: "m", email: "mallory@corp.example", groups: ["Payments"] };

describe("glob", () => {
  it.each([
    ["Payments/**", "Payments/stripe", true],
    ["Payments/**", "Payments/EU/stripe", true],
    ["Payments/**", "Payments", true],
    ["Payments/**", "PaymentsX/stripe", false],
    ["Payments/*", "Payments/EU/stripe", false],
    ["Payments/*", "payments/STRIPE", true],
    ["**/prod", "db/prod", true],
    ["**/prod", "prod", true],
    ["a/**/b", "a/b", true],
    ["a/**/b", "a/x/y/b", true],
    ["a/**/b", "ax/b", false],
    ["db/pro?", "db/prod", true],
    ["db/(prod)", "db/prod", false],
    ["db/.*", "db/prod", false],
    ["**", "anything/at/all", true],
  ])("%s vs %s → %s", (glob, path, expected) => {
    expect(matchesGlob(glob, path)).toBe(expected);
  });

  it("treats regex metacharacters literally", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z.+()[\]{}|^$\\]{1,12}$/), (name) => {
        expect(matchesGlob(name, name)).toBe(true);
        expect(matchesGlob(name, `${name}x`)).toBe(false);
      }),
    );
  });
});

describe("access policy", () => {
  it("denies by default", () => {
    expect(isAllowed([], ops, { id: 1, path: "x" })).toBe(false);
  });

  it("allows a group member only under the rule's paths", () => {
    expect(isAllowed(policy, alice, { id: 5, path: "Payments/stripe" })).toBe(true);
    expect(isAllowed(policy, alice, { id: 5, path: "db/prod" })).toBe(false);
  });

  it("matches emails case-insensitively but groups exactly", () => {
    expect(isAllowed(policy, ops, { id: 9, path: "db/prod" })).toBe(true);
    expect(isAllowed(policy, mallory, { id: 5, path: "Payments/stripe" })).toBe(false);
  });

  it("allows by id", () => {
    const svc = { sub: "svc-42", groups: [] };
    expect(isAllowed(policy, svc, { id: 42, path: "wherever/x" })).toBe(true);
    expect(isAllowed(policy, svc, { id: 43, path: "wherever/x" })).toBe(false);
  });

  it("normalises Secret Server's backslash paths", () => {
    expect(normalizeSecretPath("\\Payments\\stripe")).toBe("Payments/stripe");
    expect(isAllowed(policy, alice, { id: 5, path: "\\Payments\\stripe" })).toBe(true);
  });

  it("lists the rules that apply to the caller", () => {
    expect(rulesFor(policy, alice)).toHaveLength(1);
    expect(rulesFor(policy, mallory)).toHaveLength(0);
  });

  it("refuses a rule that names nobody or nothing", () => {
    expect(AccessPolicy.safeParse([{ paths: ["**"] }]).success).toBe(false);
    expect(AccessPolicy.safeParse([{ groups: ["x"] }]).success).toBe(false);
    expect(AccessPolicy.safeParse([{ groups: ["x"], paths: ["**"], extra: 1 }]).success).toBe(false);
  });
});

describe("actions: read and write are separate permissions", () => {
  const split = AccessPolicy.parse([
    { groups: ["payments"], paths: ["Payments/**"] },
    { groups: ["payments"], paths: ["Payments/agents/*"], actions: ["write"] },
    { groups: ["ops"], paths: ["Ops/**"], actions: ["read", "write"] },
  ]);
  const ops = { sub: "o", email: "o@corp.example", groups: ["ops"] };

  it("defaults to read only: a read rule never allows a write", () => {
    expect(isAllowed(split, alice, { id: 1, path: "Payments/stripe" }, "read")).toBe(true);
    expect(isAllowed(split, alice, { id: 1, path: "Payments/stripe" }, "write")).toBe(false);
  });

  it("a write-only rule does not allow reading what it may write", () => {
    expect(isAllowed(split, { ...alice, groups: ["payments"] }, { id: 2, path: "Payments/agents/ci-bot" }, "write")).toBe(true);
    const writeOnly = AccessPolicy.parse([{ groups: ["payments"], paths: ["Payments/agents/*"], actions: ["write"] }]);
    expect(isAllowed(writeOnly, alice, { id: 2, path: "Payments/agents/ci-bot" }, "read")).toBe(false);
    expect(isAllowed(writeOnly, alice, { id: 2, path: "Payments/agents/ci-bot" })).toBe(false); // read is the default action
  });

  it("a rule may allow both", () => {
    expect(isAllowed(split, ops, { id: 3, path: "Ops/break-glass" }, "read")).toBe(true);
    expect(isAllowed(split, ops, { id: 3, path: "Ops/break-glass" }, "write")).toBe(true);
  });

  it("refuses unknown or empty actions", () => {
    for (const actions of [["delete"], [], "write", ["READ"]]) {
      expect(AccessPolicy.safeParse([{ groups: ["g"], paths: ["x"], actions }]).success).toBe(false);
    }
  });
});
