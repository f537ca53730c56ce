// One row of the audit trail as it is read back from D1 (migrations/), for the pages, the export
// and the tests that read the trail: D1's answers are checked against it, not trusted.
import { z } from "zod";

export const AuditRow = z.object({
  id: z.number(),
  at: z.string(),
  event: z.string(),
  outcome: z.string(),
  subject: z.string().nullable(),
  email: z.string().nullable(),
  client_id: z.string().nullable(),
  session: z.string().nullable(),
  secret_id: z.number().nullable(),
  secret_path: z.string().nullable(),
  field: z.string().nullable(),
  ticket_id: z.string().nullable(),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  detail: z.string().nullable(),
});
export type AuditRow = z.infer<typeof AuditRow>;
