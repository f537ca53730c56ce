// What a ticket that waits for a person holds about its approval, stored beside the ticket in its
// session's TicketStore (so the decision and the ticket's single use change in one object, under
// one lock). Never a value, never a ticket: who must approve, what they decided, and when.
import { z } from "zod";
import { ApproverSet } from "../policy/access-policy";

/** A person's part of an approval: the requester themselves, or someone else from a set. */
export const PersonApproval = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("self") }),
  z.object({ kind: z.literal("approvers"), approvers: ApproverSet }),
]);
export type PersonApproval = z.infer<typeof PersonApproval>;

export const Decider = z.object({ sub: z.string().min(1), email: z.string().optional() });
export type Decider = z.infer<typeof Decider>;

export const ApprovalState = z.object({
  /** Random, unguessable, in the approval page's URL. Not a capability: the page checks who decides. */
  id: z.string().regex(/^[A-Za-z0-9_-]{22,64}$/),
  /** The claimcheck part; absent when only Secret Server's workflow applies. */
  person: PersonApproval.optional(),
  /** Secret Server's access request, when Secret Server itself requires approval for the secret. */
  secretServerRequestId: z.number().int().positive().optional(),
  /** Life of the ticket once approved (TICKET_TTL_SECONDS), counted from the approval. */
  ticketTtlMs: z.number().int().positive(),
  requestedAt: z.number().int(),
  personDecision: z
    .object({ decision: z.enum(["approved", "denied"]), by: Decider, at: z.number().int() })
    .optional(),
  secretServerStatus: z.enum(["Pending", "Approved", "Denied", "Canceled"]).optional(),
});
export type ApprovalState = z.infer<typeof ApprovalState>;

export type ApprovalStatus = "pending" | "approved" | "denied";

/** Approved only when every part that applies said yes; denied as soon as one said no. */
export function approvalStatus(state: ApprovalState): ApprovalStatus {
  const person = state.person === undefined ? "approved" : (state.personDecision?.decision ?? "pending");
  const secretServer =
    state.secretServerRequestId === undefined
      ? "approved"
      : state.secretServerStatus === "Approved"
        ? "approved"
        : state.secretServerStatus === "Denied" || state.secretServerStatus === "Canceled"
          ? "denied"
          : "pending";
  if (person === "denied" || secretServer === "denied") return "denied";
  return person === "approved" && secretServer === "approved" ? "approved" : "pending";
}
