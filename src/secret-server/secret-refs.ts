// Checking and normalising what callers name: secret references, field slugs, search text. These
// come from agents, so they are refused with BAD_REQUEST before anything is sent upstream.
import { z } from "zod";
import { ClaimcheckError } from "../errors";
import type { SecretRef } from "./types";

const NO_CONTROL_CHARS = /^[^\p{Cc}\p{Cf}]*$/u;

const secretRef = z.union([
  z.object({ id: z.number().int().positive().max(2 ** 31 - 1) }).strict(),
  z.object({ path: z.string().min(1).max(1000).regex(NO_CONTROL_CHARS) }).strict(),
]);

/** Secret Server's slugs: lower-case words joined by hyphens (`password`, `private-key`). */
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/);

const searchText = z.string().trim().min(1).max(200).regex(NO_CONTROL_CHARS);

export type NormalisedRef = { id: number } | { path: string; folderPath: string; name: string };

function badRequest(what: string): ClaimcheckError {
  return new ClaimcheckError("BAD_REQUEST", { detail: `invalid ${what}` });
}

/**
 * `db/prod`, `\db\prod` and `/db//prod/` all become `\db\prod`, the form Secret Server's
 * `secretPath` expects (leading backslash, single separators).
 */
export function normaliseRef(ref: SecretRef): NormalisedRef {
  const parsed = secretRef.safeParse(ref);
  if (!parsed.success) throw badRequest("secret reference");
  if ("id" in parsed.data) return { id: parsed.data.id };
  const parts = parsed.data.path.split(/[\\/]+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw badRequest("secret path");
  const name = parts.pop()!;
  return { path: `\\${[...parts, name].join("\\")}`, folderPath: `\\${parts.join("\\")}`, name };
}

export function checkSlug(value: string): string {
  if (!slug.safeParse(value).success) throw badRequest("field slug");
  return value;
}

export function checkSearchText(value: string): string {
  const parsed = searchText.safeParse(value);
  if (!parsed.success) throw badRequest("search text");
  return parsed.data;
}
