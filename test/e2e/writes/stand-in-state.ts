// What the Secret Server stand-in now holds and what was written to it, read through its own
// admin routes (`GET /_stand-in/secrets/{id}`, `GET /_stand-in/writes`, dev/secret-server/README.md),
// so a test compares a stored value byte for byte without asking claimcheck.
import { z } from "zod";

const StoredSecret = z.object({
  id: z.number(),
  name: z.string(),
  folderId: z.number(),
  secretTemplateId: z.number(),
  items: z.array(z.object({ fieldId: z.number(), slug: z.string(), itemValue: z.string(), isPassword: z.boolean() })),
});
export type StoredSecret = z.infer<typeof StoredSecret>;

export const StandInWrite = z.object({
  id: z.number(),
  action: z.enum(["create", "set-field", "change-password", "generate-password"]),
  secretId: z.number().nullable(),
  fieldId: z.number().nullable(),
  username: z.string(),
  comment: z.string().nullable(),
  at: z.string(),
  values: z.record(z.string(), z.string()),
});
export type StandInWrite = z.infer<typeof StandInWrite>;

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

export async function storedSecret(standInUrl: string, id: number): Promise<StoredSecret> {
  return StoredSecret.parse(await getJson(`${standInUrl}/_stand-in/secrets/${id}`));
}

/** The value the stand-in holds in field `slug` of secret `id`. */
export async function storedValue(standInUrl: string, id: number, slug: string): Promise<string> {
  const item = (await storedSecret(standInUrl, id)).items.find((i) => i.slug === slug);
  if (item === undefined) throw new Error(`the stand-in's secret ${id} has no field ${slug}`);
  return item.itemValue;
}

/** Every write and generated password, oldest first. */
export async function standInWrites(standInUrl: string): Promise<StandInWrite[]> {
  return z.array(StandInWrite).parse(await getJson(`${standInUrl}/_stand-in/writes`));
}
