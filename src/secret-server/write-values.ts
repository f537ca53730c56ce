// Checking what a write sends before anything is sent: values, secret names and the human's reason.
// These come from agents and deposits, so they are refused with BAD_REQUEST, and no error ever
// repeats a value: a message says what is wrong with it, never what it is.
import { ClaimcheckError } from "../errors";
import { oneLine } from "./audit-comment";

/**
 * A value larger than this could not be read back: Linux caps one environment variable at 128 KiB,
 * and its JSON-encoded answer must stay within the client's answer limit. In UTF-8 bytes.
 */
export const MAX_FIELD_VALUE_BYTES = 128 * 1024;

/** Long enough for any real secret name; Secret Server's own limit is not published. */
const MAX_SECRET_NAME_CHARS = 256;
/** As for an access request's comment: longer is refused, not cut. */
const MAX_WRITE_COMMENT_CHARS = 500;

const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
/** A lone surrogate: a JavaScript string that no UTF-8 can carry. */
const LONE_SURROGATE = /\p{Cs}/u;

const refused = (message: string, detail: string) => new ClaimcheckError("BAD_REQUEST", { message, detail });

/** Why a value cannot be stored, or undefined when it can. `allowEmpty` for fields left unset. */
function valueProblem(value: unknown, allowEmpty: boolean): string | undefined {
  if (typeof value !== "string") return "is not text";
  if (value.length === 0) return allowEmpty ? undefined : "is empty";
  if (value.includes("\u0000")) return "contains a NUL byte, which no environment variable can hold";
  if (LONE_SURROGATE.test(value)) return "is not valid Unicode text";
  if (new TextEncoder().encode(value).byteLength > MAX_FIELD_VALUE_BYTES) return `is larger than ${MAX_FIELD_VALUE_BYTES} bytes`;
  return undefined;
}

/** The value itself, or BAD_REQUEST naming the field (a checked slug) and the reason. */
export function checkFieldValue(value: unknown, slug: string, options: { allowEmpty?: boolean } = {}): string {
  const problem = valueProblem(value, options.allowEmpty ?? false);
  if (problem) throw refused(`The value for field "${slug}" ${problem}.`, `field value ${problem}`);
  return value as string;
}

/** A plain name: claimcheck names secrets by path, so separators would make one unreachable. */
export function checkSecretName(name: unknown): string {
  const ok =
    typeof name === "string" &&
    name.length > 0 &&
    name.length <= MAX_SECRET_NAME_CHARS &&
    name === name.trim() &&
    !/[\\/]/.test(name) &&
    !CONTROL_OR_FORMAT.test(name);
  if (!ok) {
    throw refused(
      `A secret name must be 1 to ${MAX_SECRET_NAME_CHARS} characters with no leading or trailing spaces, no \\ or /, and no control characters.`,
      "invalid secret name",
    );
  }
  return name;
}

/** The human's reason on one line, or BAD_REQUEST when it is not text or too long. */
export function checkWriteComment(comment: unknown): string | undefined {
  if (comment === undefined) return undefined;
  const line = typeof comment === "string" ? oneLine(comment) : undefined;
  if (line === undefined || line.length > MAX_WRITE_COMMENT_CHARS) {
    throw refused(`A comment must be text of at most ${MAX_WRITE_COMMENT_CHARS} characters.`, "invalid write comment");
  }
  return line || undefined;
}
