// A secret's fields, learnt from its secret template rather than from the secret: a template
// describes fields without values, so listing them moves no value into the Worker and leaves no
// VIEW in Secret Server's audit. Templates change rarely (an administrator edits them), so answers
// are cached per client, and so per isolate; concurrent askers share one request.
import { ClaimcheckError } from "../errors";
import { errorFromAnswer, expectJson, isSuccess } from "./answers";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
import { templateAnswer } from "./schemas";
import type { SecretFieldInfo } from "./types";

/**
 * Five minutes. A field added to a template is seen within that; until then an agent cannot name
 * it, and a field just removed fails at redemption with NOT_FOUND. Neither grants nor reveals
 * anything: what a caller may read is decided by the policy and by Secret Server, never by this list.
 */
export const TEMPLATE_TTL_MS = 5 * 60_000;
/** Bounds memory; installations have tens to a few hundred templates. */
const MAX_CACHED_TEMPLATES = 500;

export type TemplateFields = {
  /**
   * The fields of secrets made from this template, in the template's order; undefined when this
   * server has no template route, and the fields can only be learnt from a secret itself.
   */
  fieldsOf(templateId: number): Promise<SecretFieldInfo[] | undefined>;
};

export function createTemplateFields(api: RestApi, routes: RouteSupport, now: () => number): TemplateFields {
  const cache = new Map<number, { fields: Promise<SecretFieldInfo[] | undefined>; expiresAt: number }>();

  async function fetchFields(templateId: number): Promise<SecretFieldInfo[] | undefined> {
    const answer = await api.get(`/secret-templates/${templateId}`);
    if (routes.isMissing("secret templates", answer)) return undefined;
    if (!isSuccess(answer)) {
      const err = errorFromAnswer(answer);
      // A secret names this template, so a refusal is not "no such secret": most likely the
      // application account may not read secret templates, which only its operator can fix.
      if (err.code === "NOT_FOUND") {
        throw new ClaimcheckError("CONFIG_INVALID", {
          detail: `secret template ${templateId}: ${err.detail}; the application account must be allowed to view secret templates`,
        });
      }
      throw err;
    }
    const template = expectJson(answer, templateAnswer, "secret template");
    if (template.id !== templateId) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret template id mismatch" });
    return template.fields.map(({ fieldSlugName, name, isPassword, isFile }) => ({ slug: fieldSlugName, fieldName: name, isPassword, isFile }));
  }

  function makeRoom(): void {
    if (cache.size < MAX_CACHED_TEMPLATES) return;
    const t = now();
    for (const [id, entry] of cache) if (entry.expiresAt <= t) cache.delete(id);
    // Still full of live entries: drop the oldest (a Map iterates in insertion order).
    if (cache.size >= MAX_CACHED_TEMPLATES) cache.delete(cache.keys().next().value!);
  }

  return {
    fieldsOf(templateId) {
      const hit = cache.get(templateId);
      if (hit && now() < hit.expiresAt) return hit.fields;
      if (routes.lacks("secret templates")) return Promise.resolve(undefined);
      makeRoom();
      // The promise is cached, not its result: a search whose results share a template asks once.
      const fields = fetchFields(templateId);
      cache.set(templateId, { fields, expiresAt: now() + TEMPLATE_TTL_MS });
      // A failure is not remembered: the next caller asks again.
      fields.catch(() => {
        if (cache.get(templateId)?.fields === fields) cache.delete(templateId);
      });
      return fields;
    },
  };
}
