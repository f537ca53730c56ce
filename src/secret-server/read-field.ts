// Reading one field's value. Every read goes through the restricted-field endpoint with a comment
// naming the human and the ticket, so Secret Server's own audit records who it was for, and
// comment-required secrets need no second path. Check-out-enabled secrets are checked out for the
// read and checked in right after, whatever happened in between.
import { ClaimcheckError } from "../errors";
import { auditComment } from "./audit-comment";
import { decodeUtf8, errorFromAnswer, expectJson, isJsonAnswer, isSuccess } from "./answers";
import type { Restrictions } from "./find-secret";
import type { RestApi } from "./rest-api";
import { fieldValueAnswer } from "./schemas";
import type { UpstreamAnswer } from "./transport";
import type { ReadContext } from "./types";

/**
 * A text field comes back as a JSON string; a file field as its raw bytes, which must be UTF-8
 * text (the value ends up in a shell variable). An HTML page, or an answer of no declared type,
 * is never a value: Secret Server answers some failures with 200 and HTML.
 */
function decodeValue(answer: UpstreamAnswer): string {
  if (!isSuccess(answer)) throw errorFromAnswer(answer);
  if (isJsonAnswer(answer)) return expectJson(answer, fieldValueAnswer, "field value");
  const type = answer.headers.get("content-type")?.split(";")[0]!.trim().toLowerCase();
  if (!type || type === "text/html") {
    throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `field value: ${type ?? "untyped"} answer` });
  }
  try {
    return decodeUtf8(answer.body);
  } catch {
    throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "file field is not UTF-8 text" });
  }
}

export function createFieldReader(api: RestApi) {
  async function withCheckOut(id: number, comment: string, read: () => Promise<string>): Promise<string> {
    const out = await api.post(`/secrets/${id}/check-out`);
    if (!isSuccess(out)) throw errorFromAnswer(out);
    try {
      return await read();
    } finally {
      // A failed check-in must not cost the caller a value already read: Secret Server releases
      // the check-out itself when its interval ends.
      await api.post(`/secrets/${id}/check-in`, { comment, forceCheckIn: false }).catch(() => undefined);
    }
  }

  return async function readField(secret: Pick<Restrictions, "id" | "requiresComment" | "checkOutEnabled">, slug: string, context: ReadContext): Promise<string> {
    // Our own audit comment would satisfy Secret Server's comment check: the human's reason is
    // required here, before anything is read.
    if (secret.requiresComment && !context.comment?.trim()) {
      throw new ClaimcheckError("COMMENT_REQUIRED", { detail: "secret requires a comment and none was given" });
    }
    const comment = auditComment(context);
    const read = async () => decodeValue(await api.post(`/secrets/${secret.id}/restricted/fields/${slug}`, { comment }));
    return secret.checkOutEnabled ? withCheckOut(secret.id, comment, read) : read();
  };
}
