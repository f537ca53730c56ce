// What the audit trail records about a CI job: the token's `sub` and issuer in their columns, and
// in `detail` the claims an auditor needs to find the run (repository, ref, workflow, run id, for
// GitHub and GitLab alike). Claims are not secret; each is bounded so a row stays small.
import type { AuditEvent } from "../audit/audit-log";
import { normalizeSecretPath } from "../policy/access-policy";
import type { RequestContext } from "../tickets/mint-ticket";
import { claimText } from "./claim-rules";
import type { Located } from "./fetch-secrets";
import type { SecretWanted } from "./redeem-request";
import type { CiTokenClaims } from "./verify-ci-token";

const CONTEXT_CLAIMS = [
  // GitHub Actions
  "repository",
  "repository_id",
  "repository_owner_id",
  "ref",
  "sha",
  "workflow_ref",
  "job_workflow_ref",
  "event_name",
  "environment",
  "run_id",
  "run_attempt",
  "actor",
  // GitLab CI
  "project_path",
  "project_id",
  "pipeline_id",
  "pipeline_source",
  "job_id",
  "user_login",
] as const;

const MAX_CLAIM_CHARS = 256;

export type CiAuditSubject = Pick<AuditEvent, "subject" | "clientId" | "detail" | "clientIp" | "userAgent">;

/** The columns every audit row of this CI token shares. `tokenId` names the token, not the token. */
export function describeCiJob(claims: CiTokenClaims, tokenId: string, context: RequestContext): CiAuditSubject {
  const detail: Record<string, string> = { token_id: tokenId };
  for (const name of CONTEXT_CLAIMS) {
    const text = claimText(claims[name]);
    if (text !== undefined && text.length > 0) detail[name] = text.slice(0, MAX_CLAIM_CHARS);
  }
  return { subject: claims.sub, clientId: claims.iss, detail, ...context };
}

/** One row per asked secret: its real path once located, else the path as asked. */
export function secretRow(about: CiAuditSubject, wanted: SecretWanted | Located, event: AuditEvent["event"], outcome: string): AuditEvent {
  const located = "secret" in wanted ? wanted : undefined;
  return {
    event,
    outcome,
    ...about,
    secretId: located?.secret.id,
    secretPath: located?.location ?? normalizeSecretPath(wanted.path),
    field: wanted.field,
    detail: { ...about.detail, variable: wanted.name },
  };
}

/** A refused request: the culprits with the reason, every other asked secret as `withheld`. */
export function refusalRows(
  about: CiAuditSubject,
  wanted: readonly SecretWanted[],
  culprits: readonly SecretWanted[],
  event: AuditEvent["event"],
  outcome: string,
): AuditEvent[] {
  const names = new Set(culprits.map((c) => c.name));
  return wanted.map((w) => (names.has(w.name) ? secretRow(about, w, event, outcome) : secretRow(about, w, "deny", "withheld")));
}
