// ACCESS_POLICY: who may ask for which secrets. Deny by default: a secret is allowed only when
// some rule names the caller (by group, email or subject) and the secret (by path glob or id).
// Pure functions, no I/O; evaluated at mint and again at redemption.
import { z } from "zod";
import { matchesGlob } from "./glob";

/** Who may approve a rule's secrets (its `approval`): anyone matching one of these lists who is not the requester. */
export const ApproverSet = z
  .object({
    groups: z.array(z.string().min(1)).optional(),
    emails: z.array(z.string().min(1)).optional(),
    subjects: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((a) => a.groups?.length || a.emails?.length || a.subjects?.length, {
    message: "approval must name groups, emails or subjects",
  });
export type ApproverSet = z.infer<typeof ApproverSet>;

export const ACTIONS = ["read", "write"] as const;
export type Action = (typeof ACTIONS)[number];

const AccessRule = z
  .object({
    groups: z.array(z.string().min(1)).optional(),
    emails: z.array(z.string().min(1)).optional(),
    subjects: z.array(z.string().min(1)).optional(),
    paths: z.array(z.string().min(1)).optional(),
    ids: z.array(z.number().int().positive()).optional(),
    /** What the rule allows: reading, writing (create, rotate, set), or both. Read never implies write. */
    actions: z.array(z.enum(ACTIONS, { error: 'actions must be "read" and/or "write"' })).min(1).default(["read"]),
    /** A person confirms before a ticket for these secrets redeems: the requester, or named approvers. */
    approval: z.union([z.literal("self"), ApproverSet], { error: 'approval must be "self" or { groups, emails, subjects }' }).optional(),
  })
  .strict()
  .refine((r) => r.groups?.length || r.emails?.length || r.subjects?.length, {
    message: "each rule must name groups, emails or subjects",
  })
  .refine((r) => r.paths?.length || r.ids?.length, { message: "each rule must name paths or ids" });

export const AccessPolicy = z.array(AccessRule);
export type AccessPolicy = z.infer<typeof AccessPolicy>;
export type AccessRule = z.output<typeof AccessRule>;

/**
 * The person a rule is matched against. `emailVerified: false` (the IdP did not vouch for the
 * address) keeps `emails` lists from naming them; signed-in identities always carry the flag.
 * Left out, the caller vouches: a ticket's owner is matched at redemption as the mint matched them.
 */
export type Identity = { sub: string; email?: string | undefined; emailVerified?: boolean | undefined; groups: readonly string[] };
export type SecretLocation = { id: number; path: string };

/** `\Payments\stripe`, `/Payments/stripe/` and `Payments/stripe` all become `Payments/stripe`. */
export function normalizeSecretPath(path: string): string {
  return path.replaceAll("\\", "/").replace(/\/{2,}/g, "/").replace(/^\/|\/$/g, "");
}

const lower = (s: string) => s.toLowerCase();

/** Lists of people, as a rule's caller side and an approver set both name them. */
export type PersonSet = { groups?: string[] | undefined; emails?: string[] | undefined; subjects?: string[] | undefined };

/** Whether the set names this person (by subject, verified email, or group). */
export function namesPerson(rule: PersonSet, who: Identity): boolean {
  // Emails compare case-insensitively (the domain part always is, and IdPs differ on the local
  // part); groups and subjects are opaque identifiers and compare exactly.
  const email = who.email === undefined || who.emailVerified === false ? undefined : lower(who.email);
  return (
    (rule.subjects?.includes(who.sub) ?? false) ||
    (email !== undefined && (rule.emails?.some((e) => lower(e) === email) ?? false)) ||
    (rule.groups?.some((g) => who.groups.includes(g)) ?? false)
  );
}

function namesSecret(rule: AccessRule, secret: SecretLocation): boolean {
  const path = normalizeSecretPath(secret.path);
  return (
    (rule.ids?.includes(secret.id) ?? false) ||
    (rule.paths?.some((glob) => matchesGlob(normalizeSecretPath(glob), path)) ?? false)
  );
}

function allows(rule: AccessRule, action: Action): boolean {
  return rule.actions.includes(action);
}

export function isAllowed(policy: AccessPolicy, who: Identity, secret: SecretLocation, action: Action = "read"): boolean {
  return allowingRules(policy, who, secret, action).length > 0;
}

/** The rules that allow this caller this action on this secret (what decides whether approval is needed). */
export function allowingRules(policy: AccessPolicy, who: Identity, secret: SecretLocation, action: Action = "read"): AccessRule[] {
  return policy.filter((rule) => allows(rule, action) && namesPerson(rule, who) && namesSecret(rule, secret));
}


/**
 * Whether some rule could allow a secret at `path`, whatever its id: lets a caller be refused
 * before Secret Server is even asked about a path they could never read.
 */
export function couldAllowPath(policy: AccessPolicy, who: Identity, path: string, action: Action = "read"): boolean {
  return rulesFor(policy, who).some((rule) => allows(rule, action) && ((rule.ids?.length ?? 0) > 0 || namesSecret(rule, { id: 0, path })));
}

/** The rules that apply to the caller: what `whoami` and `search_secrets` show. */
export function rulesFor(policy: AccessPolicy, who: Identity): AccessRule[] {
  return policy.filter((rule) => namesPerson(rule, who));
}
