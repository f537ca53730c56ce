// The /api/v1 routes that write: template search and the stub of a new secret, creating a secret,
// setting one field, Secret Server's password generator and its remote password change; plus the
// stand-in's own views of what was written, for tests. In SDK-only mode only what Delinea's Go SDK
// calls is served: `POST /secrets`, `PUT /secrets/{id}/fields/{slug}`, `GET /secret-templates/{id}`
// (api.ts) and `POST /secret-templates/generate-password/{fieldId}`.
import { z } from "zod";
import { accessGate, type Caller } from "./gates.ts";
import { generatePassword, requirementFor } from "./password-generator.ts";
import { param, intParam, jsonBody } from "./request-parts.ts";
import type { SeedSecret, SeedTemplate, SeedTemplateField } from "./seed.ts";
import { accessDenied, badRequest, fieldNotFound, invalidRequest, json, page, secretModel, secretSummary } from "./shapes.ts";
import type { Store, WriteFiling } from "./store.ts";
import { passwordRequirementModel, stubModel, templateSummary } from "./template-shapes.ts";

export type WriteCtx = Caller & { request: Request; url: URL };

/** RestSecretItem, as far as a create reads it: a field named by id (or slug) and its value. */
const itemArgs = z.object({ fieldId: z.number().int().nullish(), slug: z.string().nullish(), itemValue: z.string().nullish() });

/** SecretCreateArgs: the parts the stand-in keeps. */
const createArgs = z.object({
  name: z.string().trim().min(1, "The Secret Name is required."),
  secretTemplateId: z.number().int().positive(),
  folderId: z.number().int().nullish(),
  siteId: z.number().int().nullish(),
  items: z.array(itemArgs),
  requiresComment: z.boolean().nullish(),
  checkOutEnabled: z.boolean().nullish(),
  checkOutIntervalMinutes: z.number().int().nullish(),
  autoChangeEnabled: z.boolean().nullish(),
});

/** SecretItemUpdateArgs (`PUT /secrets/{id}/fields/{slug}`), text fields only. */
const fieldArgs = z.object({ value: z.string().nullish(), comment: z.string().nullish() });

/** SecretChangePasswordArgs: without `newPassword`, Secret Server generates the next value itself. */
const changePasswordArgs = z.object({ newPassword: z.string().nullish(), comment: z.string().nullish() });

const modelState = (issues: z.ZodError["issues"]) => {
  const state: Record<string, string[]> = {};
  for (const issue of issues) (state[["args", ...issue.path].join(".")] ??= []).push(issue.message);
  return state;
};
const invalid = (field: string, message: string) => invalidRequest({ [`args.${field}`]: [message] });

function templateField(store: Store, fieldId: number): { template: SeedTemplate; field: SeedTemplateField } | undefined {
  for (const template of store.templates.values()) {
    const field = template.fields.find((f) => f.fieldId === fieldId);
    if (field) return { template, field };
  }
  return undefined;
}

function record(ctx: WriteCtx, filing: Omit<WriteFiling, "username">): void {
  ctx.store.recordWrite({ ...filing, username: ctx.principal.username });
}

/** `POST /secret-templates/generate-password/{fieldId}`: a JSON string following the field's requirement. */
function generateForField(ctx: WriteCtx, fieldId: number): Response {
  const found = templateField(ctx.store, fieldId);
  if (!found) return accessDenied();
  // Assumed name: the Go SDK only says generation is for fields whose isPassword is true.
  if (!found.field.isPassword) return badRequest("API_FieldIsNotPassword", "Passwords can only be generated for password fields.");
  const value = generatePassword(requirementFor(ctx.store, found.field));
  record(ctx, { action: "generate-password", secretId: null, fieldId, comment: null, values: { [found.field.slug]: value } });
  return json(value);
}

/** Each item's value by slug; a Response when an item names no field of the template. */
function valuesBySlug(template: SeedTemplate, items: z.output<typeof itemArgs>[]): Record<string, string> | Response {
  const values: Record<string, string> = {};
  for (const item of items) {
    const field = template.fields.find((f) => (item.fieldId == null ? f.slug === item.slug?.toLowerCase() : f.fieldId === item.fieldId));
    if (!field) return fieldNotFound();
    values[field.slug] = item.itemValue ?? "";
  }
  return values;
}

/** `POST /secrets` (SecretCreateArgs) → the new secret's SecretModel. */
async function createSecret(ctx: WriteCtx): Promise<Response> {
  const parsed = createArgs.safeParse(await jsonBody(ctx.request));
  if (!parsed.success) return invalidRequest(modelState(parsed.error.issues));
  const args = parsed.data;
  const template = ctx.store.templates.get(args.secretTemplateId);
  const folderId = args.folderId ?? -1;
  if (!template || (folderId !== -1 && !ctx.store.folders.has(folderId))) return accessDenied();
  // The stub's -1 is refused; a caller that sends no site gets the default one (assumed).
  if ((args.siteId ?? 1) < 1) return invalid("siteId", "A valid Site is required.");
  const values = valuesBySlug(template, args.items);
  if (values instanceof Response) return values;
  // File fields are uploaded after the create (the Go SDK's way), so they are not required here.
  const missing = template.fields.find((f) => f.isRequired && !f.isFile && !values[f.slug]);
  if (missing) return invalid("items", `${missing.name} is required.`);
  const secret = ctx.store.addSecret({
    name: args.name,
    folderId,
    secretTemplateId: template.id,
    secretTemplateName: template.name,
    requiresComment: args.requiresComment ?? false,
    autoChangeEnabled: args.autoChangeEnabled ?? false,
    checkOutEnabled: args.checkOutEnabled ?? false,
    ...(args.checkOutIntervalMinutes ? { checkOutIntervalMinutes: args.checkOutIntervalMinutes } : {}),
    requiresApprovalForAccess: false,
    approvers: [],
    items: template.fields.map(({ fieldId, name, slug, isPassword, isNotes, isFile }) => ({
      fieldId,
      fieldName: name,
      slug,
      isPassword,
      isNotes,
      isFile,
      itemValue: values[slug] ?? "",
    })),
  });
  ctx.store.audit(secret.id, ctx.principal, "CREATE", undefined);
  const written = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
  record(ctx, { action: "create", secretId: secret.id, fieldId: null, comment: null, values: written });
  return json(secretModel(ctx.store, secret));
}

/** `PUT /secrets/{id}/fields/{slug}` (SecretItemUpdateArgs) → the updated value, as a JSON string. */
async function setField(ctx: WriteCtx, secret: SeedSecret, slug: string): Promise<Response> {
  const parsed = fieldArgs.safeParse(await jsonBody(ctx.request));
  if (!parsed.success) return invalidRequest(modelState(parsed.error.issues));
  const item = secret.items.find((i) => i.slug === slug.toLowerCase());
  if (!item) return fieldNotFound();
  // The comment comes in the body (SecretItemUpdateArgs) or, as for reads, as autoComment.
  const comment = parsed.data.comment ?? param(ctx.url, "autoComment");
  const gate = accessGate(ctx, secret, comment);
  if (gate) return gate;
  if (item.isFile) return invalid("value", "A file field takes a file attachment, not a value.");
  // An empty or null value clears the field, as Set-TssSecretField -Clear sends it.
  item.itemValue = parsed.data.value ?? "";
  ctx.store.audit(secret.id, ctx.principal, "EDIT", comment);
  record(ctx, { action: "set-field", secretId: secret.id, fieldId: item.fieldId, comment: comment ?? null, values: { [item.slug]: item.itemValue } });
  return json(item.itemValue);
}

/**
 * `POST /secrets/{id}/change-password` (SecretChangePasswordArgs) → the SecretSummary. Real Secret
 * Server queues the change for its next Remote Password Changing run; the stand-in changes the
 * target system's password and the stored one at once.
 */
async function changePassword(ctx: WriteCtx, secret: SeedSecret): Promise<Response> {
  const parsed = changePasswordArgs.safeParse(await jsonBody(ctx.request));
  if (!parsed.success) return invalidRequest(modelState(parsed.error.issues));
  const gate = accessGate(ctx, secret, parsed.data.comment ?? undefined);
  if (gate) return gate;
  const item = secret.items.find((i) => i.isPassword);
  // Assumed error: the sources say only that the server refuses a secret without RPC.
  if (!secret.autoChangeEnabled || !item) {
    return badRequest("API_RemotePasswordChangingNotEnabled", "Remote Password Changing is not enabled for this Secret.");
  }
  const field = templateField(ctx.store, item.fieldId)?.field;
  item.itemValue = parsed.data.newPassword || generatePassword(requirementFor(ctx.store, field ?? {}));
  ctx.store.setTargetPassword(secret.id, item.itemValue);
  ctx.store.audit(secret.id, ctx.principal, "CHANGE PASSWORD", parsed.data.comment ?? undefined);
  const comment = parsed.data.comment ?? null;
  record(ctx, { action: "change-password", secretId: secret.id, fieldId: item.fieldId, comment, values: { [item.slug]: item.itemValue } });
  return json(secretSummary(ctx.store, secret));
}

/** `GET /secret-templates?filter.searchText=…`: a page of SecretTemplateSummary, by name. */
function searchTemplates(ctx: WriteCtx): Response {
  const text = (param(ctx.url, "filter.searchText") ?? "").toLowerCase();
  const records = [...ctx.store.templates.values()]
    .filter((t) => t.name.toLowerCase().includes(text))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(templateSummary);
  return json(page(records, intParam(ctx.url, "skip", 0), intParam(ctx.url, "take", 10)));
}

/** `GET /secrets/stub?secretTemplateId=…&folderId=…` (the `filter.` forms some scripts send too). */
function stub(ctx: WriteCtx): Response {
  const read = (name: string) => param(ctx.url, name) ?? param(ctx.url, `filter.${name}`);
  const templateId = Number(read("secretTemplateId"));
  const folderText = read("folderId");
  const folderId = folderText === undefined || folderText === "" ? null : Number(folderText);
  if (!Number.isInteger(templateId)) return invalid("secretTemplateId", "The Secret Template is required.");
  const template = ctx.store.templates.get(templateId);
  if (!template || (folderId !== null && folderId !== -1 && !ctx.store.folders.has(folderId))) return accessDenied();
  return json(stubModel(ctx.store, template, folderId));
}

/** Write routes that name no existing secret; undefined when none matches (the caller answers 404). */
export async function writeRoute(ctx: WriteCtx, path: string): Promise<Response | undefined> {
  const method = ctx.request.method;
  const generate = /^\/secret-templates\/generate-password\/(\d+)$/i.exec(path);
  if (generate && method === "POST") return generateForField(ctx, Number(generate[1]));
  if (/^\/secrets\/?$/i.test(path) && method === "POST") return createSecret(ctx);
  if (ctx.sdkOnly) return undefined;
  if (/^\/secret-templates\/?$/i.test(path) && method === "GET") return searchTemplates(ctx);
  if (/^\/secrets\/stub$/i.test(path) && method === "GET") return stub(ctx);
  const requirement = /^\/password-requirements\/(\d+)$/i.exec(path);
  if (requirement && method === "GET") {
    const found = ctx.store.seed.passwordRequirements.find((r) => r.id === Number(requirement[1]));
    return found ? json(passwordRequirementModel(found)) : accessDenied();
  }
  return undefined;
}

/** Write routes on one secret (`/secrets/{id}/…`); undefined when none matches. */
export async function secretWriteRoute(ctx: WriteCtx, secret: SeedSecret, rest: string): Promise<Response | undefined> {
  const field = /^\/fields\/([^/]+)$/.exec(rest);
  if (field && ctx.request.method === "PUT") return setField(ctx, secret, decodeURIComponent(field[1]!));
  if (!ctx.sdkOnly && rest === "/change-password" && ctx.request.method === "POST") return changePassword(ctx, secret);
  return undefined;
}

/** `GET /_stand-in/secrets/{id}`: what the stand-in holds for a secret, values included (tests only). */
export function storedSecret(store: Store, id: number) {
  const secret = store.secrets.get(id);
  if (!secret) return undefined;
  const target = store.targetPassword(id);
  return {
    id: secret.id,
    name: secret.name,
    folderId: secret.folderId,
    folderPath: store.folderPath(secret.folderId),
    secretTemplateId: secret.secretTemplateId,
    requiresComment: secret.requiresComment,
    checkOutEnabled: secret.checkOutEnabled,
    autoChangeEnabled: secret.autoChangeEnabled,
    items: secret.items.map(({ fieldId, slug, fieldName, itemValue, isPassword, isFile, isNotes }) => ({
      fieldId,
      slug,
      fieldName,
      itemValue,
      isPassword,
      isFile,
      isNotes,
    })),
    // Remote password changing: the password the account itself now has.
    ...(target === undefined ? {} : { targetSystemPassword: target }),
  };
}
