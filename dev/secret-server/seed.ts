// The stand-in's seed file: who may log in, which folders and secrets exist. Parsed with zod so a
// typo in seed.json fails at start-up naming the bad entry instead of producing odd answers later.
import { readFile } from "node:fs/promises";
import { z } from "zod";

const seedItem = z.object({
  fieldId: z.number().int(),
  fieldName: z.string().min(1),
  slug: z.string().regex(/^[a-z0-9-]+$/),
  itemValue: z.string(),
  isPassword: z.boolean().default(false),
  isNotes: z.boolean().default(false),
  isFile: z.boolean().default(false),
  filename: z.string().optional(),
  fileAttachmentId: z.number().int().optional(),
});

const seedSecret = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1),
  folderId: z.number().int(),
  secretTemplateId: z.number().int(),
  secretTemplateName: z.string(),
  requiresComment: z.boolean().default(false),
  checkOutEnabled: z.boolean().default(false),
  checkOutIntervalMinutes: z.number().int().positive().optional(),
  /** Username that holds the check-out when the stand-in starts (someone else's lock). */
  checkedOutBy: z.string().optional(),
  /** When present, only these usernames may see the secret; everyone else gets API_AccessDenied. */
  allowedUsers: z.array(z.string()).optional(),
  items: z.array(seedItem),
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
  secrets: z.array(seedSecret),
});

export type SeedFile = z.input<typeof seedFileSchema>;
export type Seed = z.output<typeof seedFileSchema>;
export type SeedSecret = Seed["secrets"][number];
export type SeedItem = SeedSecret["items"][number];
export type SeedFolder = Seed["folders"][number];

export const DEFAULT_SEED_PATH = new URL("./seed.json", import.meta.url);

export function parseSeed(input: unknown): Seed {
  const result = seedFileSchema.safeParse(input);
  if (!result.success) {
    const where = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid Secret Server seed: ${where}`);
  }
  return result.data;
}

export async function loadSeed(path: string | URL = DEFAULT_SEED_PATH): Promise<Seed> {
  return parseSeed(JSON.parse(await readFile(path, "utf8")));
}
