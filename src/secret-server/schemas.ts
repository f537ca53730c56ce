// zod schemas of every Secret Server answer the client reads. Objects are parsed with zod's default
// (unknown keys stripped), and item schemas deliberately omit `itemValue`: a secret's values are
// dropped at the edge instead of riding along in objects that might be logged.
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

const secretItem = z.object({
  slug: z.string().min(1),
  fieldName: z.string(),
  isPassword: z.boolean(),
  isFile: z.boolean(),
});

const secretId = z.number().int().positive();
const folderId = z.number().int().nullable();

export const secretAnswer = z.object({
  id: secretId,
  name: z.string(),
  folderId,
  requiresComment: z.boolean(),
  checkOutEnabled: z.boolean(),
  checkedOut: z.boolean(),
  items: z.array(secretItem),
});

/** `GET /secrets/{id}/state`: answers even when the secret's body needs a comment or a check-out. */
export const stateAnswer = z.object({
  id: secretId,
  secretName: z.string(),
  folderId,
  secretState: z.string(),
  isCheckedOut: z.boolean().optional(),
});

export const folderAnswer = z.object({
  id: z.number().int(),
  folderPath: z.string().startsWith("\\"),
});

const secretSummary = z.object({
  id: secretId,
  name: z.string(),
  folderId,
  requiresComment: z.boolean(),
  checkOutEnabled: z.boolean(),
  checkedOut: z.boolean(),
});

export const searchAnswer = z.object({
  records: z.array(secretSummary),
  total: z.number().int().nonnegative(),
});

/** A text field's value is a JSON-encoded string. */
export const fieldValueAnswer = z.string();

/** Error bodies: only the machine-readable parts are ever looked at. */
export const errorAnswer = z.object({
  errorCode: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
});
