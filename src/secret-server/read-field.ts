// Reading one field's value, with a comment naming the human and the ticket so Secret Server's own
// audit records who it was for. Check-out-enabled secrets are checked out for the read and checked
// in right after, whatever happened in between (check-out.ts).
//
// Which endpoint: `POST /secrets/{id}/restricted/fields/{slug}` with `{comment}` first, and
// `GET /secrets/{id}/fields/{slug}?autoComment=…` (the read every Delinea SDK makes) once a server
// has answered that the restricted route does not exist. Why not the SDKs' read first: Secret
// Server documents the restricted body's `comment` as the comment on the view, and `autoComment`
// only as "leave a comment when checking in or out", so only the restricted read is known to put
// our comment on every VIEW in its audit (Delinea's PowerShell module reads comment-required
// fields the same way); it also keeps the human's reason and email out of URLs and access logs.
// Either way a redemption costs one request: a server without the restricted route costs one
// extra request for the first read per isolate, then the remembered answer sends reads straight
// to the SDKs' endpoint.
import { ClaimcheckError } from "../errors";
import { auditComment, requireReason } from "./audit-comment";
import { decodeUtf8, errorFromAnswer, expectJson, isJsonAnswer, isSuccess } from "./answers";
import { createCheckOut } from "./check-out";
import type { Restrictions } from "./find-secret";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
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

export function createFieldReader(api: RestApi, routes: RouteSupport) {
  const withCheckOut = createCheckOut(api, routes);

  async function readValue(id: number, slug: string, comment: string): Promise<string> {
    if (!routes.lacks("restricted field read")) {
      const answer = await api.post(`/secrets/${id}/restricted/fields/${slug}`, { comment });
      if (!routes.isMissing("restricted field read", answer)) return decodeValue(answer);
    }
    return decodeValue(await api.get(`/secrets/${id}/fields/${slug}`, { autoComment: comment }));
  }

  return async function readField(secret: Pick<Restrictions, "id" | "requiresComment" | "checkOutEnabled">, slug: string, context: ReadContext): Promise<string> {
    requireReason(secret, context);
    const comment = auditComment(context);
    const read = () => readValue(secret.id, slug, comment);
    return secret.checkOutEnabled ? withCheckOut(secret.id, comment, read) : read();
  };
}
