// Reading one field's value. Every read goes through the restricted-field endpoint with a comment
// naming the human and the ticket, so Secret Server's own audit records who it was for, and
// comment-required secrets need no second path. Check-out-enabled secrets are checked out for the
// read and checked in right after, whatever happened in between.
import { ClaimcheckError } from "../errors";
import { auditComment } from "./audit-comment";
import { decodeUtf8, errorFromAnswer, expectJson, isJsonAnswer, isSuccess } from "./answers";
import type { RestApi } from "./rest-api";
import { fieldValueAnswer } from "./schemas";
import type { ReadContext, SecretInfo } from "./types";
import type { UpstreamAnswer } from "./transport";

const OCTET_STREAM = "application/octet-stream";

/**
 * A text field comes back as a JSON string; a file field as its raw bytes, which must be UTF-8
 * text (the value ends up in a shell variable). When the fields were withheld, the content type
 * tells which kind of answer this is; an HTML page is never a value.
 */
function decodeValue(answer: UpstreamAnswer, isFile: boolean | undefined): string {
  if (!isSuccess(answer)) throw errorFromAnswer(answer);
  const type = (answer.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const asFile = isFile ?? (!isJsonAnswer(answer) && type === OCTET_STREAM);
  if (!asFile) return expectJson(answer, fieldValueAnswer, "field value");
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

  return async function readField(info: SecretInfo, slug: string, context: ReadContext): Promise<string> {
    const field = info.fields?.find((f) => f.slug === slug);
    if (info.fields && !field) throw new ClaimcheckError("NOT_FOUND", { detail: "no such field on the secret" });
    // Ask the human for a reason before touching Secret Server, rather than after a refusal.
    if (info.requiresComment && !context.comment?.trim()) {
      throw new ClaimcheckError("COMMENT_REQUIRED", { detail: "secret requires a comment and none was given" });
    }
    const comment = auditComment(context);
    const read = async () =>
      decodeValue(await api.post(`/secrets/${info.id}/restricted/fields/${slug}`, { comment }), field?.isFile);
    return info.checkOutEnabled ? withCheckOut(info.id, comment, read) : read();
  };
}
