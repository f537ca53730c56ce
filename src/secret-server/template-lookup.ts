// Secret templates as a write needs them: by id, or by the name a caller gives (`Password`), with
// each field's id, kind and whether it is required. A template describes fields, never values.
import { ClaimcheckError } from "../errors";
import { expectJson } from "./answers";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
import { templateDetailAnswer, templateSearchAnswer } from "./schemas";
import type { SecretTemplate } from "./types";

/** Enough for an exact name to be in one page even when a server ignores the search text. */
const TEMPLATE_SEARCH_TAKE = 100;
const NO_CONTROL_CHARS = /^[^\p{Cc}\p{Cf}]*$/u;

export type TemplateLookup = {
  /** Throws NOT_FOUND when Secret Server has no such template or will not show it. */
  byId(id: number): Promise<SecretTemplate>;
  /** As the caller named it; an unknown or ambiguous name is BAD_REQUEST. */
  byNameOrId(ref: string | number): Promise<SecretTemplate>;
};

// Caller input is never repeated in these messages: a mistaken caller could have put anything there.
const unknownTemplate = () =>
  new ClaimcheckError("BAD_REQUEST", { message: "No secret template with that name or id is available.", detail: "unknown secret template" });
const badRef = () => new ClaimcheckError("BAD_REQUEST", { message: "A template is named by its id or its exact name.", detail: "invalid template reference" });

export function createTemplateLookup(api: RestApi, routes: RouteSupport): TemplateLookup {
  async function byId(id: number): Promise<SecretTemplate> {
    const template = expectJson(await api.get(`/secret-templates/${id}`), templateDetailAnswer, "secret template");
    if (template.id !== id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret template id mismatch" });
    return {
      id: template.id,
      name: template.name,
      fields: template.fields.map((f) => ({
        fieldId: f.secretTemplateFieldId,
        slug: f.fieldSlugName,
        name: f.name,
        isPassword: f.isPassword,
        isFile: f.isFile,
        isNotes: f.isNotes,
        isRequired: f.isRequired,
      })),
    };
  }

  async function idOfName(name: string): Promise<number> {
    const cannot = () =>
      new ClaimcheckError("BAD_REQUEST", {
        message: "This Secret Server cannot look templates up by name; give the template's id.",
        detail: "no template search route",
      });
    if (routes.lacks("template search")) throw cannot();
    const answer = await api.get("/secret-templates", { "filter.searchText": name, take: String(TEMPLATE_SEARCH_TAKE) });
    if (routes.isMissing("template search", answer)) throw cannot();
    const { records } = expectJson(answer, templateSearchAnswer, "secret template search");
    // The search matches parts of names; the name must match whole (case-insensitive, as Secret Server compares).
    const named = records.filter((r) => r.active !== false && r.name.toLowerCase() === name.toLowerCase());
    if (named.length === 1) return named[0]!.id;
    if (named.length === 0) throw unknownTemplate();
    throw new ClaimcheckError("BAD_REQUEST", { message: "Several templates have that name; give the template's id.", detail: "ambiguous template name" });
  }

  async function byNameOrId(ref: string | number): Promise<SecretTemplate> {
    const text = typeof ref === "number" ? String(ref) : typeof ref === "string" ? ref.trim() : "";
    if (text.length === 0 || text.length > 200 || !NO_CONTROL_CHARS.test(text)) throw badRef();
    const id = /^\d{1,10}$/.test(text) ? Number(text) : await idOfName(text);
    if (!Number.isSafeInteger(id) || id <= 0 || id > 2 ** 31 - 1) throw badRef();
    return byId(id).catch((err: unknown) => {
      if (err instanceof ClaimcheckError && err.code === "NOT_FOUND") throw unknownTemplate();
      throw err;
    });
  }

  return { byId, byNameOrId };
}
