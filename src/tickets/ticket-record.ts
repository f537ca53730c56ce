// What a ticket names and who asked for it. Stored in the session's TicketStore under the
// ticket's hash; holds no secret value and no ticket.
import { z } from "zod";

export const TicketRecord = z.object({
  secretId: z.number().int().positive(),
  /** Folder path and name, `/`-separated (e.g. `db/prod`): what the access policy matches. */
  secretPath: z.string().min(1),
  /** Guards Secret Server puts on the secret, learnt at mint: they decide how it is read. */
  requiresComment: z.boolean().default(false),
  checkOutEnabled: z.boolean().default(false),
  /** Field slugs to release; the first one is the text/plain answer. */
  fields: z.array(z.string().min(1)).min(1).max(16),
  subject: z.string().min(1),
  email: z.string().optional(),
  /** Groups at mint time: the policy is evaluated again at redemption against these. */
  groups: z.array(z.string()).default([]),
  clientId: z.string().min(1),
  session: z.string().min(1),
  comment: z.string().max(1000).optional(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
});
export type TicketRecord = z.infer<typeof TicketRecord>;
