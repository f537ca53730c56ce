// Turning Secret Server's answers into typed values or typed errors. Upstream bodies are never
// copied into an error: only the status and a validated `errorCode` token reach `detail`, because a
// body can echo values (a 500 carries exception text and a stack trace).
import type { z } from "zod";
import { ClaimcheckError } from "../errors";
import { errorAnswer } from "./schemas";
import type { UpstreamAnswer } from "./transport";

/** Secret Server's answer for "no such secret" and "no access" alike: it has no distinct 404. */
export const ACCESS_DENIED = "API_AccessDenied";
export const COMMENT_REQUIRED = "API_ValidateSecretAccessCommentRequired";

const SAFE_TOKEN = /^[A-Za-z0-9_.]{1,64}$/;

export const isSuccess = (answer: UpstreamAnswer) => answer.status >= 200 && answer.status < 300;

function mediaType(answer: UpstreamAnswer): string {
  return (answer.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

export const isJsonAnswer = (answer: UpstreamAnswer) => mediaType(answer) === "application/json";

/** Strict UTF-8: malformed bytes throw instead of turning into replacement characters. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
}

function parseJsonBody(answer: UpstreamAnswer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(decodeUtf8(answer.body)) };
  } catch {
    return { ok: false };
  }
}

/** The error body's `errorCode` (or OAuth `error`), only when it is a short, plain token. */
export function upstreamErrorCode(answer: UpstreamAnswer): string | undefined {
  const parsed = parseJsonBody(answer);
  if (!parsed.ok) return undefined;
  const body = errorAnswer.safeParse(parsed.value);
  const code = body.success ? (body.data.errorCode ?? body.data.error) : undefined;
  return code !== undefined && SAFE_TOKEN.test(code) ? code : undefined;
}

/** 401, or the 403 "Authentication failed" the spec documents: the token is no good. */
export function isAuthFailure(answer: UpstreamAnswer): boolean {
  if (answer.status === 401) return true;
  if (answer.status !== 403) return false;
  const parsed = parseJsonBody(answer);
  const body = parsed.ok ? errorAnswer.safeParse(parsed.value) : undefined;
  return body?.success === true && /^authentication failed/i.test(body.data.message ?? "");
}

/** The typed error for an answer that is not a success. */
export function errorFromAnswer(answer: UpstreamAnswer): ClaimcheckError {
  const code = upstreamErrorCode(answer);
  const detail = `Secret Server answered ${answer.status}${code ? ` ${code}` : ""}`;
  const { status } = answer;
  // Not found and forbidden are one answer: Secret Server itself cannot tell them apart.
  if (status === 404 || code === ACCESS_DENIED || (code !== undefined && /notfound/i.test(code))) {
    return new ClaimcheckError("NOT_FOUND", { detail });
  }
  if (code === COMMENT_REQUIRED) return new ClaimcheckError("COMMENT_REQUIRED", { detail });
  if (code !== undefined && /check_?out|checkedout/i.test(code)) return new ClaimcheckError("SECRET_CHECKED_OUT", { detail });
  if (status === 429) return new ClaimcheckError("RATE_LIMITED", { detail });
  if (status === 401 || status === 403 || status >= 500) return new ClaimcheckError("UPSTREAM_UNAVAILABLE", { detail });
  return new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail });
}

/** A successful JSON answer parsed against its schema; anything else is a typed error. */
export function expectJson<T extends z.ZodType>(answer: UpstreamAnswer, schema: T, what: string): z.output<T> {
  if (!isSuccess(answer)) throw errorFromAnswer(answer);
  // Secret Server answers some failures with 200 and an HTML page: only JSON is an answer.
  if (!isJsonAnswer(answer)) {
    throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `${what}: ${answer.status} answer is not JSON` });
  }
  const parsed = parseJsonBody(answer);
  if (!parsed.ok) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `${what}: malformed JSON` });
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    // Paths only, never the offending input: it may be a value.
    const where = result.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
    throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `${what}: unexpected shape at ${where}` });
  }
  return result.data;
}
