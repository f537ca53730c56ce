// zod schemas of every Secret Server answer the client reads. Objects are parsed with zod's default
// (unknown keys stripped). None describes a secret's items: the client learns fields from templates
// and reads values one field at a time, so the one answer here that carries a value is a field's.
import { z } from "zod";

export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
});

export const vaultsAnswer = z.object({
  vaults: z.array(
    z.object({
      isDefault: z.boolean(),
      isActive: z.boolean(),
      connection: z.object({ url: z.string() }).nullish(),
    }),
  ),
});

const secretId = z.number().int().positive();
const folderId = z.number().int().nullable();

/**
 * A search record, and one secret's summary (`GET /secrets/{id}/summary`): what guards the secret
 * and which template it uses. Secret Server sends no value in either.
 */
export const secretSummaryAnswer = z.object({
  id: secretId,
  name: z.string(),
  folderId,
  secretTemplateId: z.number().int().positive(),
  requiresComment: z.boolean(),
  checkOutEnabled: z.boolean(),
  checkedOut: z.boolean(),
});

export const searchAnswer = z.object({
  records: z.array(secretSummaryAnswer),
  total: z.number().int().nonnegative(),
});

export const folderAnswer = z.object({
  id: z.number().int(),
  folderPath: z.string().startsWith("\\"),
});

/** `GET /secret-templates/{id}` (SecretTemplateModel): the fields' definitions, which hold no value. */
export const templateAnswer = z.object({
  id: z.number().int().positive(),
  fields: z.array(
    z.object({
      fieldSlugName: z.string().min(1),
      name: z.string(),
      isPassword: z.boolean(),
      isFile: z.boolean(),
    }),
  ),
});

/** A text field's value is a JSON-encoded string. */
export const fieldValueAnswer = z.string();

/** Error bodies: only the machine-readable parts are ever looked at. */
export const errorAnswer = z.object({
  errorCode: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
});
