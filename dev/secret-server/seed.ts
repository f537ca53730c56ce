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
});

const seedTemplate = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  fields: z.array(seedTemplateField).min(1),
});

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
  templates: z.array(seedTemplate),
  secrets: z.array(seedSecretEntry),
});

export type SeedFile = z.input<typeof seedFileSchema>;
type ParsedSeed = z.output<typeof seedFileSchema>;
export type SeedTemplate = ParsedSeed["templates"][number];
export type SeedFolder = ParsedSeed["folders"][number];
type SeedTemplateField = SeedTemplate["fields"][number];

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

export function parseSeed(input: unknown): Seed {
  const result = seedFileSchema.safeParse(input);
  if (!result.success) {
    const where = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid Secret Server seed: ${where}`);
  }
  return { ...result.data, secrets: resolveSecrets(result.data) };
}

export async function loadSeed(path: string | URL = DEFAULT_SEED_PATH): Promise<Seed> {
  return parseSeed(JSON.parse(await readFile(path, "utf8")));
}
