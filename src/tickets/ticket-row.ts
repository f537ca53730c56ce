// A TicketStore row and what it says: the record as minted, its approval, why the ticket cannot be
// used now, and the approval page's view of it. Pure functions of the row and the time, so the
// store's methods can decide with them inside their synchronous SQLite steps.
import { approvalStatus, ApprovalState } from "../approval/approval-state";
import { ticketIdOf } from "./ticket-format";
import { TicketRecord } from "./ticket-record";

/** How a ticket ended other than by redemption (`redeemed_at` marks that). */
export type Ending = "revoked" | "expired" | "denied";

export type RefusalReason = "unknown" | "wrong_kind" | "expired" | "used" | "in_flight" | "revoked" | "denied" | "pending" | "approval_expired";

/** What the approval page shows and decides on. */
export type ApprovalView = {
  ticketId: string;
  record: TicketRecord;
  approval: ApprovalState;
  /** `pending` until decided; then the ticket's fate. */
  state: "pending" | "approved" | "redeemed" | "denied" | "expired" | "revoked";
  /** Approval deadline while pending; the ticket's expiry once approved. */
  expiresAt: number;
};

export type Row = {
  hash: string;
  record: string;
  expires_at: number;
  redeemed_at: number | null;
  lease_until: number | null;
  purge_at: number;
  ended: Ending | null;
  approval_id: string | null;
  approval: string | null;
  reported_at: number | null;
};

/** The record as minted, with the current expiry (an approval moves it). */
export function recordOf(row: Row): TicketRecord {
  return { ...TicketRecord.parse(JSON.parse(row.record)), expiresAt: row.expires_at };
}

export function approvalOf(row: Row): ApprovalState | undefined {
  return row.approval === null ? undefined : ApprovalState.parse(JSON.parse(row.approval));
}

/** Why the ticket cannot be redeemed now, or undefined when it can. */
export function refusalOf(row: Row, now: number): Exclude<RefusalReason, "unknown" | "wrong_kind" | "in_flight"> | undefined {
  if (row.redeemed_at !== null) return "used";
  const approval = approvalOf(row);
  const status = approval && approvalStatus(approval);
  if (row.ended === "revoked") return "revoked";
  if (row.ended === "denied" || status === "denied") return "denied";
  if (row.ended === "expired" || row.expires_at <= now) return status === "pending" ? "approval_expired" : "expired";
  return status === "pending" ? "pending" : undefined;
}

export function viewOf(row: Row, now: number): ApprovalView {
  const approval = approvalOf(row)!;
  const refusal = refusalOf(row, now);
  const state: ApprovalView["state"] =
    refusal === undefined
      ? "approved"
      : refusal === "used"
        ? "redeemed"
        : refusal === "approval_expired"
          ? "expired"
          : refusal;
  return { ticketId: ticketIdOf(row.hash), record: recordOf(row), approval, state, expiresAt: row.expires_at };
}
