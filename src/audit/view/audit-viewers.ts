// AUDIT_VIEWERS: who may open the audit pages (/audit, its export, a ticket's life) and take the
// incident actions there. The same people-set as a policy rule names callers with (groups, emails,
// subjects), matched the same way; emails are verified at sign-in (an email the IdP marks
// unverified never gets a session). Default: nobody, so a deployment shows its audit trail to no
// one until someone is named.
import { z } from "zod";
import { namesPerson, type Identity } from "../../policy/access-policy";

export const AuditViewers = z
  .object({
    groups: z.array(z.string().min(1)).optional(),
    emails: z.array(z.string().min(1)).optional(),
    subjects: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type AuditViewers = z.infer<typeof AuditViewers>;

export function isAuditViewer(viewers: AuditViewers, who: Identity): boolean {
  return namesPerson(viewers, who);
}
