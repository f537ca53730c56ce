// Who an `emails` list names: only a person whose address the IdP verified. The same rule for
// ACCESS_POLICY callers, approver sets and AUDIT_VIEWERS, since all three match through namesPerson.
import { describe, expect, it } from "vitest";
import { mayDecide, requiredApproval } from "../../../src/approval/approval-rules";
import { isAuditViewer } from "../../../src/audit/view/audit-viewers";
import { isAllowed, namesPerson, rulesFor, type AccessPolicy } from "../../../src/policy/access-policy";

const verified = { sub: "a", email: "Alice@Corp.Example", emailVerified: true, groups: [] };
const unverified = { ...verified, emailVerified: false };
const byGroup = { ...unverified, groups: ["ops"] };
const bySubject = { ...unverified, sub: "alice-sub" };

const policy: AccessPolicy = [
  { emails: ["alice@corp.example"], paths: ["db/**"], actions: ["read"] },
  { groups: ["ops"], paths: ["ops/**"], actions: ["read"] },
  { subjects: ["alice-sub"], paths: ["own/**"], actions: ["read"] },
  { groups: ["eng"], paths: ["prod/**"], actions: ["read"], approval: { emails: ["alice@corp.example"] } },
];

describe("an emails list", () => {
  it("names a verified address, case-insensitively", () => {
    expect(namesPerson({ emails: ["alice@corp.example"] }, verified)).toBe(true);
    expect(isAllowed(policy, verified, { id: 1, path: "db/prod" })).toBe(true);
  });

  it("does not name an unverified address", () => {
    expect(namesPerson({ emails: ["alice@corp.example"] }, unverified)).toBe(false);
    expect(isAllowed(policy, unverified, { id: 1, path: "db/prod" })).toBe(false);
    expect(rulesFor(policy, unverified)).toEqual([]);
  });

  it("leaves groups and subjects working for an unverified address", () => {
    expect(isAllowed(policy, byGroup, { id: 2, path: "ops/x" })).toBe(true);
    expect(isAllowed(policy, bySubject, { id: 3, path: "own/x" })).toBe(true);
  });

  it("names a person whose flag the caller left out (a ticket's owner, matched as at mint)", () => {
    expect(namesPerson({ emails: ["alice@corp.example"] }, { sub: "a", email: "alice@corp.example", groups: [] })).toBe(true);
  });
});

describe("approvers named by email", () => {
  const requester = { sub: "req", email: "req@corp.example", emailVerified: true, groups: ["eng"] };
  const approval = requiredApproval(policy, requester, { id: 4, path: "prod/db" })!;

  it("may decide with a verified address", () => {
    expect(mayDecide(approval, requester, verified)).toEqual({ ok: true });
  });

  it("may not decide with an unverified one", () => {
    expect(mayDecide(approval, requester, unverified)).toEqual({ ok: false, reason: "not_approver" });
  });
});

describe("audit viewers named by email", () => {
  it("see the audit only with a verified address", () => {
    expect(isAuditViewer({ emails: ["alice@corp.example"] }, verified)).toBe(true);
    expect(isAuditViewer({ emails: ["alice@corp.example"] }, unverified)).toBe(false);
  });
});
