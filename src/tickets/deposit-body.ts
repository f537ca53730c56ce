// What a deposit snippet sends: the ticket, one line break, then the value's bytes. The ticket
// travels in the body (not a header) because the snippet's stdin may be the value itself, and the
// ticket must stay off every process's command line. Pure: no I/O.
import { ClaimcheckError } from "../errors";

/** A ticket line is short: anything longer is not ours, and is refused before the value is read. */
const MAX_TICKET_LINE_BYTES = 600;

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export type DepositBody = { ticket: string; value: Uint8Array };

/**
 * Splits the body at its first line break (an optional CR before it belongs to the line break).
 * A body with no short first line has no ticket: the empty ticket is then refused as malformed.
 */
export function splitDepositBody(body: Uint8Array): DepositBody {
  const end = body.subarray(0, MAX_TICKET_LINE_BYTES + 2).indexOf(LINE_FEED);
  if (end < 0) return { ticket: "", value: new Uint8Array() };
  const lineEnd = end > 0 && body[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
  const ticket = new TextDecoder().decode(body.subarray(0, lineEnd));
  return { ticket, value: body.subarray(end + 1) };
}

function valueRefused(message: string, detail: string): ClaimcheckError {
  return new ClaimcheckError("DEPOSIT_REFUSED", { message, detail });
}

/**
 * The value as text, by the deposit rules: one trailing `\n` or `\r\n` dropped for stdin and file
 * sources (the shell's, as in `openssl rand -hex 32 | …`), every other byte kept; empty, NUL,
 * non-UTF-8 and oversized values refused. Messages name the rule, never the value.
 */
export function depositValue(raw: Uint8Array, rules: { trimTrailingNewline: boolean; maxBytes: number }): string {
  let bytes = raw;
  if (rules.trimTrailingNewline && bytes.at(-1) === LINE_FEED) {
    bytes = bytes.subarray(0, bytes.length - (bytes.at(-2) === CARRIAGE_RETURN ? 2 : 1));
  }
  if (bytes.length > rules.maxBytes) {
    throw new ClaimcheckError("PAYLOAD_TOO_LARGE", { message: `The value is larger than ${rules.maxBytes} bytes (DEPOSIT_MAX_BYTES); nothing was stored.`, detail: "deposit too large" });
  }
  if (bytes.length === 0) throw valueRefused("The value is empty; nothing was stored.", "deposit empty");
  if (bytes.includes(0)) throw valueRefused("The value contains a NUL byte; nothing was stored.", "deposit NUL");
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw valueRefused("The value is not valid UTF-8; nothing was stored.", "deposit not UTF-8");
  }
}
