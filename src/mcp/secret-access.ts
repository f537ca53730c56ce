// Finding a secret for a caller: resolves the reference at Secret Server and checks the access
// policy, denying by default. A refusal looks like "not found" to the caller whether the secret
// is missing or forbidden (no existence oracle); the audit keeps the real reason.
import { recordAudit } from "../audit/audit-log";
import type { Config } from "../config";
import { ClaimcheckError } from "../errors";
import { couldAllowPath, isAllowed, normalizeSecretPath, type Action } from "../policy/access-policy";
import { secretServerClientFor, type SecretInfo, type SecretRef } from "../secret-server";
import type { Grant } from "./caller";

/** `Folder/Sub/Name` as the policy sees it (Secret Server gives `\Folder\Sub` and the name apart). */
export function secretPathOf(secret: { folderPath: string; name: string }): string {
  const folder = normalizeSecretPath(secret.folderPath);
  return folder === "" ? secret.name : `${folder}/${secret.name}`;
}

/** A numeric string names a secret by id; anything else is a folder path. */
export function parseSecretRef(text: string): SecretRef {
  return /^\d{1,10}$/.test(text) ? { id: Number(text) } : { path: normalizeSecretPath(text) };
}

export async function findAllowedSecret(
  env: Env,
  config: Config,
  grant: Grant,
  ref: SecretRef,
  action: Action = "read",
): Promise<SecretInfo & { path: string }> {
  const audit = (outcome: string, secret: { secretId?: number; secretPath?: string }) =>
    recordAudit(env.DB, {
      event: outcome === "UPSTREAM_UNAVAILABLE" || outcome === "UPSTREAM_BAD_RESPONSE" || outcome === "RATE_LIMITED" ? "upstream_error" : "deny",
      outcome,
      ...(action === "write" ? { detail: { action } } : {}),
      subject: grant.who.sub,
      email: grant.who.email,
      clientId: grant.clientId,
      session: grant.session,
      ...secret,
    });

  // A path the policy cannot allow is refused before Secret Server is asked, so the policy also
  // limits what a caller can learn about Secret Server's contents.
  if ("path" in ref && !couldAllowPath(config.accessPolicy, grant.who, ref.path, action)) {
    await audit("forbidden", { secretPath: ref.path });
    throw new ClaimcheckError("NOT_FOUND", { detail: "policy" });
  }
  let secret: SecretInfo;
  try {
    secret = await secretServerClientFor(config.secretServer).getSecret(ref);
  } catch (err) {
    if (err instanceof ClaimcheckError) await audit(err.code, "id" in ref ? { secretId: ref.id } : { secretPath: ref.path });
    throw err;
  }
  const path = secretPathOf(secret);
  if (!isAllowed(config.accessPolicy, grant.who, { id: secret.id, path }, action)) {
    await audit("forbidden", { secretId: secret.id, secretPath: path });
    throw new ClaimcheckError("NOT_FOUND", { detail: "policy" });
  }
  return { ...secret, path };
}
