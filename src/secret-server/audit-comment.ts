// The comment claimcheck leaves in Secret Server's own audit with every read and write. Secret
// Server only knows the app account; this names the human, the agent's OAuth client and the
// ticket, so its audit trail stands on its own.
import { ClaimcheckError } from "../errors";
import type { ReadContext } from "./types";

/** Long enough for a reason; short enough for Secret Server's comment column. */
const MAX_COMMENT_CHARS = 500;

/** Control and format characters could forge extra lines in an audit viewer (or an approver's view). */
export const oneLine = (text: string) => text.replace(/[\p{Cc}\p{Cf}]+/gu, " ").replace(/\s+/g, " ").trim();

export function auditComment(context: ReadContext): string {
  const who = oneLine(context.requestedBy ?? "") || "unknown user";
  const client = context.clientId ? ` via ${oneLine(context.clientId)}` : "";
  const ticket = context.ticketId ? `, ticket ${oneLine(context.ticketId)}` : "";
  const reason = context.comment ? `: ${oneLine(context.comment)}` : "";
  return `claimcheck for ${who}${client}${ticket}${reason}`.slice(0, MAX_COMMENT_CHARS);
}

/**
 * Our own audit comment would satisfy Secret Server's comment check, so the human's reason is
 * required here, before anything is read or written.
 */
export function requireReason(secret: { requiresComment: boolean }, context: ReadContext): void {
  if (secret.requiresComment && !context.comment?.trim()) {
    throw new ClaimcheckError("COMMENT_REQUIRED", { detail: "secret requires a comment and none was given" });
  }
}
