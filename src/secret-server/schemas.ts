// zod schemas of every Secret Server answer the client reads. Objects are parsed with zod's default
// (unknown keys stripped), which is also how values are dropped: the one schema of an answer that
// holds values (a whole secret, read only where a server lacks the value-free routes) declares no
// `itemValue`, so the only value that survives parsing is the one field read on purpose.
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
 * Whether a value needs an approved access request. Delinea's MCP server finds `requiresApproval`
 * null on servers that enforce approval, so this is a hint: absent or null reads false, and Secret
 * Server's own read still refuses a value until access is approved.
 */
const approvalFlag = z.boolean().nullish().transform((flag) => flag === true);

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
  requiresApproval: approvalFlag,
  /**
   * Remote password changing is on: a rotation must go through Secret Server's change-password so
   * the target system changes too. Absent means unknown, and a rotation refuses to guess.
   */
  autoChangeEnabled: z.boolean().optional(),
});

/**
 * A search record as any server may send it: Delinea's SDKs read only `id` from records (the Go
 * SDK asks Secret Server not to count the total), so a record missing a guard is described by id.
 */
export const searchRecord = secretSummaryAnswer.partial().required({ id: true, name: true });

export const searchAnswer = z.object({ records: z.array(searchRecord) });

/**
 * A whole secret (`GET /secrets/{id}`, or id 0 with `secretPath`): its guards and items, never the
 * items' values. Python's and Java's SDK models have no `isPassword`/`isFile` on items; a file item
 * is then one with an attachment, as those SDKs decide it.
 */
export const secretReadAnswer = z.object({
  id: secretId,
  name: z.string(),
  folderId,
  secretTemplateId: z.number().int().positive(),
  requiresComment: z.boolean().optional(),
  // Absent means no check-out to ask for: the server's own read still refuses if one is needed.
  checkOutEnabled: z.boolean().default(false),
  checkedOut: z.boolean().default(false),
  requiresApprovalForAccess: approvalFlag,
  autoChangeEnabled: z.boolean().optional(),
  items: z.array(
    z.object({
      slug: z.string().min(1),
      fieldName: z.string(),
      isPassword: z.boolean().optional(),
      isFile: z.boolean().optional(),
      fileAttachmentId: z.number().int().nullish(),
    }),
  ),
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

/**
 * `GET /secret-templates/{id}` as a write needs it: every field's id (for the password generator),
 * kind and whether the template requires it. Absent kinds read false; Secret Server still refuses
 * a secret that lacks a required field.
 */
export const templateDetailAnswer = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  fields: z.array(
    z.object({
      secretTemplateFieldId: z.number().int().positive(),
      fieldSlugName: z.string().min(1),
      name: z.string(),
      isPassword: z.boolean().default(false),
      isFile: z.boolean().default(false),
      isNotes: z.boolean().default(false),
      isRequired: z.boolean().default(false),
    }),
  ),
});

/** `GET /secret-templates?filter.searchText=…`: SecretTemplateSummary records. */
export const templateSearchAnswer = z.object({
  records: z.array(z.object({ id: z.number().int().positive(), name: z.string(), active: z.boolean().nullish() })),
});

/**
 * `GET /secrets/stub` (a SecretModel with the template's empty items). Loose on purpose: the stub
 * carries the defaults Secret Server chose for a new secret in that folder (policy, inheritance,
 * check-out), and `POST /secrets` gets them back unchanged, as Delinea's PowerShell module sends it.
 */
export const secretStubAnswer = z.looseObject({
  secretTemplateId: z.number().int().positive(),
  siteId: z.number().int().nullish(),
  items: z.array(z.looseObject({ fieldId: z.number().int().positive(), slug: z.string().min(1) })),
});

/** `POST /secrets` answers the new secret's SecretModel; its items (values) are dropped here. */
export const createdSecretAnswer = z.object({
  id: secretId,
  name: z.string(),
  folderId,
  secretTemplateId: z.number().int().positive(),
});

/** `POST /secret-templates/generate-password/{fieldId}`: a JSON string; empty is no password. */
export const generatedPasswordAnswer = z.string().min(1);

/** `POST /secrets/{id}/change-password` answers the SecretSummary. */
export const passwordChangeAnswer = z.object({ id: secretId });

/** `GET /secrets/{id}/state`: what the caller must do before seeing a value (`None`, `RequiresApproval`, …). */
export const secretStateAnswer = z.object({
  id: secretId,
  // A plain enum name (`RequiresApproval`), so it is safe to log and to compare.
  secretState: z.string().regex(/^[A-Za-z]{1,64}$/),
});

const dateText = z.string().refine((text) => !Number.isNaN(Date.parse(text)));

/**
 * SecretAccessModel (`/secret-access-requests`), only the parts claimcheck acts on: the comments,
 * names and user ids stay behind. `status` stays a string here; access-requests.ts maps it.
 */
export const accessRequestAnswer = z.object({
  secretAccessRequestId: z.number().int().positive(),
  secretId,
  status: z.string().nullish(),
  startDate: dateText.nullish(),
  expirationDate: dateText.nullish(),
});

/** A text field's value is a JSON-encoded string. */
export const fieldValueAnswer = z.string();

/** Error bodies: only the machine-readable parts are ever looked at. */
export const errorAnswer = z.object({
  errorCode: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
});
