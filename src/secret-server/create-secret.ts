// Creating a secret the way Delinea's PowerShell module does: `GET /secrets/stub` for the template's
// empty items and the defaults Secret Server chose for the folder, the items filled by slug, then
// `POST /secrets`. The password comes from Secret Server's generator (straight into the body, never
// returned) or is given. Everything the caller names is checked against the template first, so a
// mistake is a BAD_REQUEST naming the field rather than a half-understood 400 from Secret Server.
import { z } from "zod";
import { ClaimcheckError } from "../errors";
import { expectJson } from "./answers";
import type { createSecretFinder } from "./find-secret";
import type { FolderPaths } from "./folder-paths";
import type { PasswordGenerator } from "./password-generator";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
import { createdSecretAnswer, secretStubAnswer } from "./schemas";
import { checkSlug, normaliseRef } from "./secret-refs";
import type { TemplateLookup } from "./template-lookup";
import type { CreatedSecret, NewSecret, SecretTemplate, SecretTemplateField } from "./types";
import { checkFieldValue, checkSecretName, checkWriteComment } from "./write-values";

/** Secret Server's default site: the stub's -1 is refused, and PowerShell's New-TssSecret sets 1. */
const DEFAULT_SITE_ID = 1;
const ROOT_FOLDER_ID = -1;

const newSecretShape = z.object({
  folderId: z.number().int().min(ROOT_FOLDER_ID).max(2 ** 31 - 1),
  templateId: z.number().int().positive().max(2 ** 31 - 1),
  fields: z.record(z.string(), z.unknown()),
  password: z.union([z.object({ generate: z.literal(true) }).strict(), z.object({ value: z.unknown() }).strict()]),
});

type Deps = {
  api: RestApi;
  routes: RouteSupport;
  templates: TemplateLookup;
  folders: FolderPaths;
  finder: ReturnType<typeof createSecretFinder>;
  generatePassword: PasswordGenerator;
};

// Slugs are checked against Secret Server's slug form before they appear in a message.
const refused = (message: string, detail: string) => new ClaimcheckError("BAD_REQUEST", { message, detail });
const mismatch = (what: string) => new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `created secret: ${what} mismatch` });

/** The non-password values by slug, each checked against the template's field. */
function fieldValues(template: SecretTemplate, fields: Record<string, unknown>): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(fields)) {
    const slug = checkSlug(key);
    const field = template.fields.find((f) => f.slug === slug);
    if (!field) throw refused(`The secret template "${template.name}" has no field "${slug}".`, "unknown field slug");
    if (field.isPassword) throw refused(`Field "${slug}" is a password field: its value comes from "password", not "fields".`, "password field in fields");
    if (field.isFile) throw refused(`Field "${slug}" is a file field, which cannot be set here.`, "file field in fields");
    const text = checkFieldValue(value, slug, { allowEmpty: true });
    if (text !== "") values.set(slug, text);
  }
  return values;
}

function passwordFieldOf(template: SecretTemplate, values: Map<string, string>): SecretTemplateField {
  const password = template.fields.find((f) => f.isPassword);
  if (!password) throw refused(`The secret template "${template.name}" has no password field.`, "template has no password field");
  const missing = template.fields.find((f) => f.isRequired && f !== password && !values.has(f.slug));
  if (missing) throw refused(`Field "${missing.slug}" is required by the secret template "${template.name}".`, "required field missing");
  return password;
}

/** The POST body: the stub with name, folder, site and items filled, or the items alone without a stub route. */
async function createArgs(deps: Deps, req: { folderId: number; template: SecretTemplate; name: string }, values: Map<string, string>) {
  const { api, routes } = deps;
  const { template } = req;
  const base = { name: req.name, folderId: req.folderId, secretTemplateId: template.id };
  // RestSecretItems by field id (as Delinea's MCP server sends them) and slug.
  const items = () =>
    template.fields.filter((f) => values.has(f.slug)).map((f) => ({ fieldId: f.fieldId, slug: f.slug, itemValue: values.get(f.slug) }));
  if (routes.lacks("secret stub")) return { ...base, siteId: DEFAULT_SITE_ID, items: items() };
  const answer = await api.get("/secrets/stub", { secretTemplateId: String(template.id), folderId: String(req.folderId) });
  // Without a stub (Delinea's Go SDK and MCP server build the secret themselves), the items named by slug.
  if (routes.isMissing("secret stub", answer)) return { ...base, siteId: DEFAULT_SITE_ID, items: items() };
  const stub = expectJson(answer, secretStubAnswer, "secret stub");
  if (stub.secretTemplateId !== template.id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret stub: template mismatch" });
  const unfilled = [...values.keys()].filter((slug) => !stub.items.some((item) => item.slug === slug));
  if (unfilled.length > 0) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret stub lacks a template field" });
  return {
    ...stub,
    ...base,
    siteId: stub.siteId != null && stub.siteId >= 1 ? stub.siteId : DEFAULT_SITE_ID,
    items: stub.items.map((item) => (values.has(item.slug) ? { ...item, itemValue: values.get(item.slug) } : item)),
  };
}

/** A secret already at the path would make both unreachable by path: refused before anything is made. */
async function refuseDuplicate(deps: Deps, folderId: number, name: string): Promise<void> {
  const folderPath = await deps.folders.pathOf(folderId);
  const exists = await deps.finder.restrictions(normaliseRef({ path: `${folderPath}\\${name}` })).then(
    () => true,
    (err: unknown) => {
      if (err instanceof ClaimcheckError && err.code === "NOT_FOUND") return false;
      throw err;
    },
  );
  if (exists) throw refused("A secret with that name already exists in that folder.", "secret exists at path");
}

/** Never repeated: after a timeout the first request may have created the secret, and a second would make another. */
async function post(api: RestApi, body: object): Promise<z.output<typeof createdSecretAnswer>> {
  try {
    return expectJson(await api.post("/secrets", body, { maxRetries: 0 }), createdSecretAnswer, "created secret");
  } catch (err) {
    if (!(err instanceof ClaimcheckError) || err.code !== "UPSTREAM_UNAVAILABLE") throw err;
    throw new ClaimcheckError(err.code, {
      detail: `${err.detail ?? "no answer"}; the secret may have been created`,
      ...(err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter }),
    });
  }
}

export function createSecretCreator(deps: Deps) {
  return async function createSecret(req: NewSecret): Promise<CreatedSecret> {
    const shape = newSecretShape.safeParse(req);
    if (!shape.success) throw refused("A new secret needs a folder id, a template id, fields and a password choice.", "invalid new secret");
    const { folderId, templateId, fields, password } = shape.data;
    const name = checkSecretName(req.name);
    checkWriteComment(req.comment);
    const template = await deps.templates.byNameOrId(templateId);
    const values = fieldValues(template, fields);
    const passwordField = passwordFieldOf(template, values);
    const given = "value" in password ? checkFieldValue(password.value, passwordField.slug) : undefined;
    await refuseDuplicate(deps, folderId, name);
    const body = await createArgs(deps, { folderId, template, name }, values);
    // Only now, so the value lives no longer than the request that stores it.
    const secretValue = given ?? (await deps.generatePassword(passwordField));
    const withPassword = fillPassword(body, passwordField, secretValue);
    const created = await post(deps.api, withPassword);
    if (created.secretTemplateId !== templateId) throw mismatch("template");
    if (created.name !== name) throw mismatch("name");
    if ((created.folderId ?? ROOT_FOLDER_ID) !== folderId) throw mismatch("folder");
    return { id: created.id, name: created.name, folderId };
  };
}

/** The body with the password item set: the stub's own item where it has one, else a new item. */
function fillPassword<T extends { items: object[] }>(body: T, field: SecretTemplateField, value: string): T {
  const isPasswordItem = (item: object) => (item as { slug?: unknown }).slug === field.slug;
  const items = body.items.some(isPasswordItem)
    ? body.items.map((item) => (isPasswordItem(item) ? { ...item, itemValue: value } : item))
    : [...body.items, { fieldId: field.fieldId, slug: field.slug, itemValue: value }];
  return { ...body, items };
}
