// Which field of a secret a tool means: the one named, else the password field, else the only
// field. A missing field is named with the ones the secret has (slugs only, never values).
import { ClaimcheckError } from "../errors";
import type { SecretFieldInfo } from "../secret-server";

/** The requested field, else the password field, else the only field. */
export function chooseField(fields: SecretFieldInfo[], requested: string | undefined): string {
  const slugs = fields.map((f) => f.slug).join(", ");
  if (requested !== undefined) {
    const match = fields.find((f) => f.slug.toLowerCase() === requested.toLowerCase());
    if (!match) throw new ClaimcheckError("BAD_REQUEST", { message: `This secret has no field "${requested}". Its fields: ${slugs}.` });
    return match.slug;
  }
  const chosen = fields.find((f) => f.isPassword) ?? (fields.length === 1 ? fields[0] : undefined);
  if (!chosen) throw new ClaimcheckError("BAD_REQUEST", { message: `This secret has several fields and no password field; name one with "field". Its fields: ${slugs}.` });
  return chosen.slug;
}

