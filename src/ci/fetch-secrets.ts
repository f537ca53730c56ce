// Fetching what a CI job asked for from Secret Server: where each secret really is (so its real
// path can be checked against the rules), then each field's value. Reads go through the shared
// Secret Server client, so its audit comment names the job and the token id.
import { ClaimcheckError } from "../errors";
import { normalizeSecretPath } from "../policy/access-policy";
import type { ReadContext, SecretInfo, SecretReader } from "../secret-server";
import type { SecretWanted } from "./redeem-request";

/** An asked secret with what Secret Server says of it: its id, guards and real path. */
export type Located = SecretWanted & { secret: SecretInfo; location: string };

/** Locates asked secrets, each distinct path once (Secret Server compares paths case-insensitively). */
export function secretLocator(source: SecretReader): (wanted: SecretWanted) => Promise<Located> {
  const found = new Map<string, SecretInfo>();
  return async (wanted) => {
    const key = normalizeSecretPath(wanted.path).toLowerCase();
    const secret = found.get(key) ?? (await source.getSecret({ path: wanted.path }));
    found.set(key, secret);
    return { ...wanted, secret, location: normalizeSecretPath(`${secret.folderPath}\\${secret.name}`) };
  };
}

export async function readValue(source: SecretReader, located: Located, context: ReadContext): Promise<string> {
  const { id, requiresComment, checkOutEnabled } = located.secret;
  const value = await source.readField({ id }, located.field, { ...context, known: { requiresComment, checkOutEnabled } });
  // No environment variable can hold a NUL; a shell would drop it silently and set another value.
  if (value.includes("\0")) throw new ClaimcheckError("VALUE_UNSUPPORTED", { detail: `field ${located.field} contains NUL` });
  return value;
}
