// Finding a secret and what guards it. `restrictions` never touches a value: the state endpoint
// for an id, the folder plus an exact name search for a path. Reads use it, so a redemption moves
// only the one field it asked for and leaves one entry in Secret Server's audit.
// `describe` also lists the fields, which only the plain read (`GET /secrets/{id}`, or id 0 with
// `secretPath`) returns; for a secret that needs a comment or a check-out, Secret Server withholds
// that body, and the fields stay unknown until a read.
import { ClaimcheckError } from "../errors";
import { errorFromAnswer, expectJson, isGatedAnswer, isSuccess } from "./answers";
import type { FolderPaths } from "./folder-paths";
import type { RestApi } from "./rest-api";
import { searchAnswer, secretAnswer, stateAnswer } from "./schemas";
import type { NormalisedRef } from "./secret-refs";
import type { SecretInfo } from "./types";

export type Restrictions = Pick<SecretInfo, "id" | "name" | "folderId" | "requiresComment" | "checkOutEnabled" | "checkedOut">;

type PathRef = Extract<NormalisedRef, { path: string }>;

export function createSecretFinder(api: RestApi, folders: FolderPaths) {
  async function byPath(ref: PathRef): Promise<Restrictions> {
    const folderId = await folders.idOf(ref.folderPath);
    const answer = await api.get("/secrets", {
      "filter.searchText": ref.name,
      "filter.folderId": String(folderId),
      "filter.isExactMatch": "true",
      take: "2",
    });
    const { records } = expectJson(answer, searchAnswer, "secret search");
    const matches = records.filter((r) => r.name.toLowerCase() === ref.name.toLowerCase() && r.folderId === folderId);
    if (matches.length !== 1) throw new ClaimcheckError("NOT_FOUND", { detail: `${matches.length} secrets at path` });
    const { id, name, requiresComment, checkOutEnabled, checkedOut } = matches[0]!;
    return { id, name, folderId: matches[0]!.folderId, requiresComment, checkOutEnabled, checkedOut };
  }

  async function byId(id: number): Promise<Restrictions> {
    const state = expectJson(await api.get(`/secrets/${id}/state`), stateAnswer, "secret state");
    if (state.id !== id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret id mismatch" });
    const checkedOut = state.isCheckedOut === true;
    return {
      id,
      name: state.secretName,
      folderId: state.folderId,
      requiresComment: /comment/i.test(state.secretState),
      // Checked out (by anyone) implies check-out is enabled, even when the state no longer asks for it.
      checkOutEnabled: /checkout/i.test(state.secretState) || checkedOut,
      checkedOut,
    };
  }

  const restrictions = (ref: NormalisedRef) => ("id" in ref ? byId(ref.id) : byPath(ref));

  async function describe(ref: NormalisedRef): Promise<SecretInfo> {
    const answer = "id" in ref ? await api.get(`/secrets/${ref.id}`) : await api.get("/secrets/0", { secretPath: ref.path });
    if (!isSuccess(answer)) {
      if (!isGatedAnswer(answer)) throw errorFromAnswer(answer);
      const found = await restrictions(ref);
      return { ...found, folderPath: await folders.pathOf(found.folderId), fields: undefined };
    }
    const secret = expectJson(answer, secretAnswer, "secret");
    if ("id" in ref && secret.id !== ref.id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret id mismatch" });
    return {
      id: secret.id,
      name: secret.name,
      folderId: secret.folderId,
      folderPath: await folders.pathOf(secret.folderId),
      requiresComment: secret.requiresComment,
      checkOutEnabled: secret.checkOutEnabled,
      checkedOut: secret.checkedOut,
      fields: secret.items.map(({ slug, fieldName, isPassword, isFile }) => ({ slug, fieldName, isPassword, isFile })),
    };
  }

  return { describe, restrictions };
}
