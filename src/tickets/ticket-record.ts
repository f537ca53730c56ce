// What a ticket names and who asked for it. Stored in the session's TicketStore under the
// ticket's hash; holds no secret value and no ticket.
import { z } from "zod";

/** A claim ticket releases a value from Secret Server; a deposit ticket carries one into it. */
export const TICKET_KINDS = ["claim", "deposit"] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];

export const TicketRecord = z.object({
  kind: z.enum(TICKET_KINDS).default("claim"),
  /** Deposits from stdin or a file: one trailing line break is the shell's, not the value's. */
  trimTrailingNewline: z.boolean().default(false),
  secretId: z.number().int().positive(),
  /** Folder path and name, `/`-separated (e.g. `db/prod`): what the access policy matches. */
  secretPath: z.string().min(1),
  /** Guards Secret Server puts on the secret, learnt at mint: they decide how it is read. */
  requiresComment: z.boolean().default(false),
  checkOutEnabled: z.boolean().default(false),
  /** Field slugs to release (the first one is the text/plain answer), or the one a deposit sets. */
  fields: z.array(z.string().min(1)).min(1).max(16),
  subject: z.string().min(1),
  email: z.string().optional(),
  /**
   * Whether the IdP vouched for the email at sign-in: email rules apply at redemption only then.
   * Records written before this field existed read false (deny by default).
   */
  emailVerified: z.boolean().default(false),
  /** Groups at mint time: the policy is evaluated again at redemption against these. */
  groups: z.array(z.string()).default([]),
  clientId: z.string().min(1),
  session: z.string().min(1),
  comment: z.string().max(1000).optional(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
});
export type TicketRecord = z.output<typeof TicketRecord>;
/** A record as written at mint: kind and newline handling may be left to their defaults. */
export type NewTicketRecord = z.input<typeof TicketRecord>;
