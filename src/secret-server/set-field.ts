// Setting one text field of a secret: `PUT /secrets/{id}/fields/{slug}` with SecretItemUpdateArgs
// `{value, comment}`. The comment names the human and the ticket in Secret Server's own audit, as
// for reads; comment-required secrets need the human's reason; check-out-enabled secrets are checked
// out around the write (check-out.ts). The answer echoes the value: it is checked and dropped.
import { z } from "zod";
import { auditComment, requireReason } from "./audit-comment";
import { expectJson } from "./answers";
import type { CheckOut } from "./check-out";
import type { RestApi } from "./rest-api";
import type { WriteContext } from "./types";

/** What guards a secret against a write: the same as against a read. */
export type WriteGuards = { id: number; requiresComment: boolean; checkOutEnabled: boolean };

export type FieldWriter = (secret: WriteGuards, slug: string, value: string, context: WriteContext) => Promise<void>;

/** "The updated value", a JSON string: only its being JSON is checked; it is not kept. */
const fieldUpdateAnswer = z.unknown();

export function createFieldWriter(api: RestApi, withCheckOut: CheckOut): FieldWriter {
  async function put(id: number, slug: string, value: string, comment: string): Promise<void> {
    // Repeatable, so retried like a read: setting a field to the same value twice leaves it as once.
    // The comment goes in the body (SecretItemUpdateArgs), keeping the human's reason out of URLs.
    const answer = await api.put(`/secrets/${id}/fields/${slug}`, { value, comment });
    expectJson(answer, fieldUpdateAnswer, "field update");
  }

  return async function writeField(secret, slug, value, context) {
    requireReason(secret, context);
    const comment = auditComment(context);
    const write = () => put(secret.id, slug, value, comment);
    return secret.checkOutEnabled ? withCheckOut(secret.id, comment, write) : write();
  };
}
