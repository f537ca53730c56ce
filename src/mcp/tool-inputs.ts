// Arguments several tools take, in one shape each: a secret named by path or id, a field slug,
// and the human's reason. Each tool adds its own `.describe()` where its wording differs.
import { z } from "zod";

export const SecretPathInput = z
  .string()
  .min(1)
  .max(512)
  .describe("The secret: its folder path and name in Secret Server, like `db/prod` or `Payments/EU/stripe`, or its numeric id");

export const FieldInput = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)
  .optional()
  .describe("The field's slug (e.g. `password`, `username`); default: the password field, or the only field");

export const CommentInput = z
  .string()
  .min(1)
  .max(500)
  .optional()
  .describe("Why; required for secrets that require a comment (recorded in Secret Server's audit)");
