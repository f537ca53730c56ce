// What the audit trail records about a CI job: the token's `sub` and issuer in their columns, and
// in `detail` the claims an auditor needs to find the run (repository, ref, workflow, run id, for
// GitHub and GitLab alike). Claims are not secret; each is bounded so a row stays small.
import type { AuditEvent } from "../audit/audit-log";
import type { RequestContext } from "../tickets/mint-ticket";
import { claimText } from "./claim-rules";
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
