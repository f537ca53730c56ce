// The stand-in's seed file: who may log in, which folders, secret templates and secrets exist.
// Parsed with zod so a typo in seed.json fails at start-up naming the bad entry instead of producing
// odd answers later. Templates define the fields; a secret's items only give the values, by slug,
// one for every field of its template, as in Secret Server, where a secret's fields are its
// template's. So a template answer and a secret answer can never disagree.
import { readFile } from "node:fs/promises";
import { z } from "zod";

const slug = z.string().regex(/^[a-z0-9-]+$/);

const seedTemplateField = z.object({
  fieldId: z.number().int().positive(),
  name: z.string().min(1),
  slug,
  description: z.string().default(""),
  isPassword: z.boolean().default(false),
  isNotes: z.boolean().default(false),
  isFile: z.boolean().default(false),
  isRequired: z.boolean().default(false),
  /** The password requirement a generated value follows (password fields); the default one when absent. */
  passwordRequirementId: z.number().int().positive().optional(),
});

const seedTemplate = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  fields: z.array(seedTemplateField).min(1),
});

/** A CharacterSetSummary: a named set of characters a password requirement draws on. */
const seedCharacterSet = z.object({ name: z.string().min(1), value: z.string().min(1) });

/**
 * A PasswordRequirementModel, reduced to what generation needs: a length range, the characters
 * allowed, and rules of the form "at least N characters from this set".
 */
const seedPasswordRequirement = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  description: z.string().default(""),
  isDefault: z.boolean().default(false),
  minPasswordLength: z.number().int().positive(),
  maxPasswordLength: z.number().int().positive(),
  allowedCharacterSet: seedCharacterSet,
  rules: z.array(z.object({ characterSet: seedCharacterSet, minCharactersRequired: z.number().int().positive() })).default([]),
});

/** Used when a seed names no requirement: Secret Server always has a default one. */
const BUILT_IN_REQUIREMENT = {
  id: 1,
  name: "Default Password Requirement",
  description: "",
  isDefault: true,
  minPasswordLength: 12,
  maxPasswordLength: 12,
  allowedCharacterSet: { name: "Letters and digits", value: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" },
  rules: [],
};

const seedItemValue = z.object({
  slug,
  itemValue: z.string(),
  filename: z.string().optional(),
  fileAttachmentId: z.number().int().optional(),
});

const seedSecretEntry = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  folderId: z.number().int(),
  secretTemplateId: z.number().int().positive(),
  requiresComment: z.boolean().default(false),
  /** Remote password changing is on: change-password changes the target system too. */
  autoChangeEnabled: z.boolean().default(false),
  checkOutEnabled: z.boolean().default(false),
  checkOutIntervalMinutes: z.number().int().positive().optional(),
  /** Username that holds the check-out when the stand-in starts (someone else's lock). */
  checkedOutBy: z.string().optional(),
  /** When present, only these usernames may see the secret; everyone else gets API_AccessDenied. */
  allowedUsers: z.array(z.string()).optional(),
  /** Values are shown only under an approved, current access request (approvers excepted). */
  requiresApprovalForAccess: z.boolean().default(false),
  /** Usernames who decide the secret's access requests, and who need none themselves. */
  approvers: z.array(z.string()).default([]),
  items: z.array(seedItemValue),
});

const seedFolder = z.object({
  id: z.number().int().positive(),
  folderName: z.string().min(1),
  parentFolderId: z.number().int(),
});

export const seedFileSchema = z.object({
  settings: z.object({ tokenLifetimeSeconds: z.number().int().positive() }),
  users: z.array(
    z.object({ username: z.string(), password: z.string(), displayName: z.string(), domain: z.string().optional() }),
  ),
  platformClients: z.array(z.object({ clientId: z.string(), clientSecret: z.string(), displayName: z.string() })),
  folders: z.array(seedFolder),
  passwordRequirements: z.array(seedPasswordRequirement).default(() => [BUILT_IN_REQUIREMENT]),
  templates: z.array(seedTemplate),
  secrets: z.array(seedSecretEntry),
});

export type SeedFile = z.input<typeof seedFileSchema>;
type ParsedSeed = z.output<typeof seedFileSchema>;
export type SeedTemplate = ParsedSeed["templates"][number];
export type SeedFolder = ParsedSeed["folders"][number];
export type SeedPasswordRequirement = ParsedSeed["passwordRequirements"][number];
export type SeedTemplateField = SeedTemplate["fields"][number];

/** A secret's item: its template field's definition plus the secret's value for it. */
export type SeedItem = {
  fieldId: number;
  fieldName: string;
  slug: string;
  itemValue: string;
  isPassword: boolean;
  isNotes: boolean;
  isFile: boolean;
  filename?: string | undefined;
  fileAttachmentId?: number | undefined;
};

export type SeedSecret = Omit<ParsedSeed["secrets"][number], "items"> & { secretTemplateName: string; items: SeedItem[] };
export type Seed = Omit<ParsedSeed, "secrets"> & { secrets: SeedSecret[] };

export const DEFAULT_SEED_PATH = new URL("./seed.json", import.meta.url);

function itemOf(field: SeedTemplateField, value: z.output<typeof seedItemValue>): SeedItem {
  const { fieldId, name, isPassword, isNotes, isFile } = field;
  return { fieldId, fieldName: name, isPassword, isNotes, isFile, ...value };
}

/** Joins each secret to its template: one value per template field, nothing else. */
function resolveSecrets(seed: ParsedSeed): SeedSecret[] {
  const templates = new Map(seed.templates.map((t) => [t.id, t]));
  return seed.secrets.map((secret, index) => {
    const where = `secrets.${index} (id ${secret.id})`;
    const template = templates.get(secret.secretTemplateId);
    if (!template) throw new Error(`invalid Secret Server seed: ${where}: no template ${secret.secretTemplateId}`);
    const wanted = template.fields.map((f) => f.slug).sort().join(",");
    const given = secret.items.map((i) => i.slug).sort().join(",");
    if (wanted !== given) {
      throw new Error(`invalid Secret Server seed: ${where}: items [${given}] must be the fields of template ${template.id} [${wanted}]`);
    }
    if (secret.requiresApprovalForAccess && secret.approvers.length === 0) {
      throw new Error(`invalid Secret Server seed: ${where}: requiresApprovalForAccess needs at least one approver`);
    }
    const items = template.fields.map((field) => itemOf(field, secret.items.find((i) => i.slug === field.slug)!));
    return { ...secret, secretTemplateName: template.name, items };
  });
}

/** A requirement generation can always meet, and exactly one default; template fields name known ones. */
function checkRequirements(seed: ParsedSeed): void {
  const fail = (where: string, why: string) => {
    throw new Error(`invalid Secret Server seed: ${where}: ${why}`);
  };
  const ids = new Set(seed.passwordRequirements.map((r) => r.id));
  if (seed.passwordRequirements.filter((r) => r.isDefault).length !== 1) fail("passwordRequirements", "exactly one must be isDefault");
  seed.passwordRequirements.forEach((r, index) => {
    const where = `passwordRequirements.${index} (id ${r.id})`;
    const required = r.rules.reduce((n, rule) => n + rule.minCharactersRequired, 0);
    if (r.minPasswordLength > r.maxPasswordLength) fail(where, "minPasswordLength exceeds maxPasswordLength");
    if (required > r.maxPasswordLength) fail(where, "its rules need more characters than maxPasswordLength");
    const allowed = new Set(r.allowedCharacterSet.value);
    if (r.rules.some((rule) => [...rule.characterSet.value].some((c) => !allowed.has(c)))) fail(where, "a rule uses characters that are not allowed");
  });
  for (const template of seed.templates) {
    for (const field of template.fields) {
      if (field.passwordRequirementId !== undefined && !ids.has(field.passwordRequirementId)) {
        fail(`template ${template.id} field ${field.slug}`, `no password requirement ${field.passwordRequirementId}`);
      }
    }
  }
}

export function parseSeed(input: unknown): Seed {
  const result = seedFileSchema.safeParse(input);
  if (!result.success) {
    const where = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid Secret Server seed: ${where}`);
  }
  checkRequirements(result.data);
  return { ...result.data, secrets: resolveSecrets(result.data) };
}

export async function loadSeed(path: string | URL = DEFAULT_SEED_PATH): Promise<Seed> {
  return parseSeed(JSON.parse(await readFile(path, "utf8")));
}
