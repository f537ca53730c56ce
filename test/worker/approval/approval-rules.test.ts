// Which approval a secret needs, from every rule that allows the caller, and who may give it.
import { describe, expect, it } from "vitest";
import { describeApprovers, mayDecide, requiredApproval, satisfies } from "../../../src/approval/approval-rules";
import { loadConfig } from "../../../src/config";
import { AccessPolicy } from "../../../src/policy/access-policy";
import { env } from "cloudflare:workers";

const alice = { sub: "alice", email: "alice@corp.example", groups: ["dev"] };
const bob = { sub: "bob", email: "bob@corp.example", groups: ["sec"] };
const PROD = { id: 11, path: "db/prod" };

const policy = (...rules: unknown[]) => AccessPolicy.parse(rules);

describe("requiredApproval", () => {
  it("asks for nothing when no allowing rule asks (a rule without approval behaves as before)", () => {
    expect(requiredApproval(policy({ groups: ["dev"], paths: ["db/**"] }), alice, PROD)).toBeUndefined();
  });

  it("asks for self-confirmation when one allowing rule says self", () => {
    const p = policy({ groups: ["dev"], paths: ["db/**"] }, { emails: ["alice@corp.example"], ids: [11], approval: "self" });
    expect(requiredApproval(p, alice, PROD)).toEqual({ kind: "self" });
  });

  it("ignores approval on rules that do not allow this caller this secret", () => {
    const p = policy({ groups: ["dev"], paths: ["db/**"] }, { groups: ["dev"], paths: ["Payments/**"], approval: "self" }, { groups: ["ops"], paths: ["db/**"], approval: "self" });
    expect(requiredApproval(p, alice, PROD)).toBeUndefined();
  });

  it("needs a named approver when any allowing rule names approvers, even if another says self", () => {
    const p = policy(
      { groups: ["dev"], paths: ["db/**"], approval: "self" },
      { groups: ["dev"], ids: [11], approval: { groups: ["sec"] } },
      { emails: ["alice@corp.example"], paths: ["db/*"], approval: { emails: ["carol@corp.example"], subjects: ["s1"] } },
    );
    expect(requiredApproval(p, alice, PROD)).toEqual({ kind: "approvers", approvers: { groups: ["sec"], emails: ["carol@corp.example"], subjects: ["s1"] } });
  });

  it("describes approvers in a few words", () => {
    expect(describeApprovers({ kind: "self" })).toBe("self");
    expect(describeApprovers({ kind: "approvers", approvers: { groups: ["sec"], emails: ["c@x"] } })).toContain("members of sec");
  });
});

describe("mayDecide", () => {
  it("self: only the requester's own sub", () => {
    expect(mayDecide({ kind: "self" }, { sub: "alice" }, alice)).toEqual({ ok: true });
    expect(mayDecide({ kind: "self" }, { sub: "alice" }, bob)).toEqual({ ok: false, reason: "not_requester" });
  });

  it("approvers: a named person who is not the requester, even when the requester is in the group", () => {
    const approval = { kind: "approvers" as const, approvers: { groups: ["sec", "dev"] } };
    expect(mayDecide(approval, { sub: "alice" }, bob)).toEqual({ ok: true });
    expect(mayDecide(approval, { sub: "alice" }, alice)).toEqual({ ok: false, reason: "requester" });
    expect(mayDecide(approval, { sub: "alice" }, { sub: "eve", email: "eve@corp.example", groups: ["other"] })).toEqual({ ok: false, reason: "not_approver" });
  });

  it("approvers by email compare case-insensitively, by subject exactly", () => {
    expect(mayDecide({ kind: "approvers", approvers: { emails: ["BOB@corp.example"] } }, { sub: "alice" }, bob).ok).toBe(true);
    expect(mayDecide({ kind: "approvers", approvers: { subjects: ["BOB"] } }, { sub: "alice" }, bob).ok).toBe(false);
  });
});

describe("satisfies (the policy checked again at redemption)", () => {
  it("a ticket minted without approval does not meet a rule that now asks for it", () => {
    expect(satisfies(undefined, { kind: "self" })).toBe(false);
    expect(satisfies(undefined, undefined)).toBe(true);
  });

  it("self-confirmation does not meet a rule that now names approvers; an approver meets self", () => {
    expect(satisfies({ kind: "self" }, { kind: "approvers", approvers: { groups: ["sec"] } })).toBe(false);
    expect(satisfies({ kind: "approvers", approvers: { groups: ["sec"] } }, { kind: "self" })).toBe(true);
  });
});

describe("ACCESS_POLICY approval setting", () => {
  it("refuses a malformed approval as CONFIG_INVALID naming the rule's index", () => {
    const base = env as unknown as Record<string, unknown>;
    for (const approval of ["others", { groups: [] }, { teams: ["x"] }, 42]) {
      const rules = [{ groups: ["a"], paths: ["x/**"] }, { groups: ["a"], paths: ["y/**"], approval }];
      expect(() => loadConfig({ ...base, ACCESS_POLICY: JSON.stringify(rules) })).toThrow(/ACCESS_POLICY\[1\]/);
    }
  });

  it("reads APPROVAL_TIMEOUT_SECONDS within 60–3600, default 600", () => {
    const base = env as unknown as Record<string, unknown>;
    expect(loadConfig({ ...base }).approvalTimeoutSeconds).toBe(600);
    expect(loadConfig({ ...base, APPROVAL_TIMEOUT_SECONDS: "60" }).approvalTimeoutSeconds).toBe(60);
    for (const bad of ["59", "3601", "ten"]) {
      expect(() => loadConfig({ ...base, APPROVAL_TIMEOUT_SECONDS: bad })).toThrow(/APPROVAL_TIMEOUT_SECONDS/);
    }
  });
});
