// Which CI_TRUST rules a verified CI token satisfies, and whether they cover a secret's path.
// Pure functions, no I/O.
//
// Claim values compare case-sensitively: git refs, repository ids and workflow paths are, and a
// case-insensitive `refs/heads/main` would also accept an unprotected branch named `Main`.
import { normalizeSecretPath } from "../policy/access-policy";
import { compileGlob, matchesGlob } from "../policy/glob";
import type { CiRule, IssuerTrust } from "./ci-trust";

export type CiClaims = Readonly<Record<string, unknown>>;

/**
 * Triggers that run code from a pull request (possibly a fork's) with the base repository's
 * identity: GitHub's `pull_request_target` and `workflow_run`, and `pull_request`, whose tokens
 * cannot tell a fork from a branch; GitLab's merge request pipelines. A token from one of them
 * matches only a rule that names that exact trigger value, never a glob that happens to cover it.
 */
export const UNTRUSTED_TRIGGERS: Readonly<Record<string, readonly string[]>> = {
  event_name: ["pull_request_target", "pull_request", "workflow_run"],
  pipeline_source: ["merge_request_event", "external_pull_request_event"],
};

export type Trigger = { claim: string; value: string };

/** A claim as text: strings as they are, numbers and booleans spelt out; anything else never matches. */
export function claimText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") return String(value);
  return undefined;
}

function claimMatches(pattern: string, value: unknown): boolean {
  const text = claimText(value);
  // The shared glob grammar, without its case-insensitive flag.
  return text !== undefined && new RegExp(compileGlob(pattern).source, "u").test(text);
}

/** The untrusted trigger this token comes from, if any. */
export function untrustedTrigger(claims: CiClaims): Trigger | undefined {
  for (const [claim, values] of Object.entries(UNTRUSTED_TRIGGERS)) {
    const value = claimText(claims[claim]);
    if (value !== undefined && values.includes(value)) return { claim, value };
  }
  return undefined;
}

function ruleMatches(rule: CiRule, claims: CiClaims, trigger: Trigger | undefined): boolean {
  const everyClaim = Object.entries(rule.claims).every(([name, pattern]) => claimMatches(pattern, claims[name]));
  return everyClaim && (trigger === undefined || rule.claims[trigger.claim] === trigger.value);
}

/** The issuer's rules whose every claim matches the token. */
export function rulesMatching(trust: IssuerTrust, claims: CiClaims): CiRule[] {
  const trigger = untrustedTrigger(claims);
  return trust.rules.filter((rule) => ruleMatches(rule, claims, trigger));
}

/** Whether one of the rules names the secret at `path` (`Payments/stripe`, `\Payments\stripe`). */
export function pathAllowed(rules: readonly CiRule[], path: string): boolean {
  const normal = normalizeSecretPath(path);
  return rules.some((rule) => rule.paths.some((glob) => matchesGlob(normalizeSecretPath(glob), normal)));
}
