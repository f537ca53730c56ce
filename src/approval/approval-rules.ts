// Which approval a ticket needs, from the ACCESS_POLICY rules that allow it, and who may give it.
// Pure functions, no I/O. When several rules allow the caller the same secret, approval is needed
// if any of them asks for it; if any names approvers, one of those approvers must decide (the
// requester's own confirmation is then not enough). A rule without `approval` asks for nothing.
import type { AccessPolicy, Action, ApproverSet, Identity, SecretLocation } from "../policy/access-policy";
import { allowingRules, namesPerson } from "../policy/access-policy";
import type { Decider, PersonApproval } from "./approval-state";

/** The person approval the policy asks for, or undefined when none. */
export function requiredApproval(policy: AccessPolicy, who: Identity, secret: SecretLocation, action: Action = "read"): PersonApproval | undefined {
  const asks = allowingRules(policy, who, secret, action).flatMap((rule) => (rule.approval === undefined ? [] : [rule.approval]));
  if (asks.length === 0) return undefined;
  const named = asks.filter((a): a is ApproverSet => a !== "self");
  if (named.length === 0) return { kind: "self" };
  return { kind: "approvers", approvers: mergeApprovers(named) };
}

function mergeApprovers(sets: ApproverSet[]): ApproverSet {
  const union = (key: keyof ApproverSet) => {
    const all = [...new Set(sets.flatMap((s) => s[key] ?? []))];
    return all.length ? { [key]: all } : {};
  };
  return { ...union("groups"), ...union("emails"), ...union("subjects") };
}

/** Whether an approval given as `given` still meets what the policy asks for now. */
export function satisfies(given: PersonApproval | undefined, needed: PersonApproval | undefined): boolean {
  if (needed === undefined) return true;
  if (given === undefined) return false;
  if (needed.kind === "self") return true; // someone else approving is more than self-confirmation
  if (given.kind !== "approvers") return false;
  // The approvers who decided were chosen from the set at mint; a set that changed since does not
  // invalidate them unless it no longer names anyone of the old set.
  return overlaps(given.approvers, needed.approvers);
}

function overlaps(a: ApproverSet, b: ApproverSet): boolean {
  const any = (key: keyof ApproverSet) => (a[key] ?? []).some((x) => (b[key] ?? []).includes(x));
  return any("groups") || any("emails") || any("subjects");
}

export type DeciderCheck = { ok: true } | { ok: false; reason: "not_requester" | "requester" | "not_approver" };

/**
 * Who may decide: for `self`, only the requester (same `sub`); for approvers, a person the set
 * names who is not the requester.
 */
export function mayDecide(approval: PersonApproval, requester: { sub: string }, who: Identity & Decider): DeciderCheck {
  if (approval.kind === "self") return who.sub === requester.sub ? { ok: true } : { ok: false, reason: "not_requester" };
  if (who.sub === requester.sub) return { ok: false, reason: "requester" };
  return namesPerson(approval.approvers, who) ? { ok: true } : { ok: false, reason: "not_approver" };
}

/** A short description of who may approve, for the tool result and the page. */
export function describeApprovers(approval: PersonApproval): string {
  if (approval.kind === "self") return "self";
  const { groups = [], emails = [], subjects = [] } = approval.approvers;
  const parts = [
    groups.length ? `members of ${groups.join(", ")}` : "",
    emails.length ? emails.join(", ") : "",
    subjects.length ? `subjects ${subjects.join(", ")}` : "",
  ].filter(Boolean);
  return `someone other than the requester among ${parts.join("; ")}`;
}
