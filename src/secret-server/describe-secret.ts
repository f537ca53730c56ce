// What a secret is, without its values: name, folder path, restrictions and fields. The plain read
// (`GET /secrets/{id}`, or id 0 with `secretPath`) answers for most secrets; for one that needs a
// comment or a check-out, Secret Server withholds the body, and the value-free state endpoint is
// used instead (its fields are then unknown until a read).
import { ClaimcheckError } from "../errors";
import { errorFromAnswer, expectJson, isGatedAnswer, isSuccess } from "./answers";
import type { FolderPaths } from "./folder-paths";
import type { RestApi } from "./rest-api";
import { searchAnswer, secretAnswer, stateAnswer } from "./schemas";
import type { NormalisedRef } from "./secret-refs";
import type { SecretInfo } from "./types";

export function createSecretDescriber(api: RestApi, folders: FolderPaths) {
  /** A path's secret id without reading its body: the folder, then an exact name search in it. */
  async function idByPath(ref: Extract<NormalisedRef, { path: string }>): Promise<number> {
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
    return matches[0]!.id;
  }

  async function fromState(ref: NormalisedRef): Promise<SecretInfo> {
    const id = "id" in ref ? ref.id : await idByPath(ref);
    const state = expectJson(await api.get(`/secrets/${id}/state`), stateAnswer, "secret state");
    return {
      id: state.id,
      name: state.secretName,
      folderId: state.folderId,
      folderPath: await folders.pathOf(state.folderId),
      requiresComment: /comment/i.test(state.secretState),
      // Checked out (by anyone) implies check-out is enabled, even when the state no longer asks for it.
      checkOutEnabled: /checkout/i.test(state.secretState) || state.isCheckedOut === true,
      checkedOut: state.isCheckedOut === true,
      fields: undefined,
    };
  }

  return async function describe(ref: NormalisedRef): Promise<SecretInfo> {
    const answer = "id" in ref ? await api.get(`/secrets/${ref.id}`) : await api.get("/secrets/0", { secretPath: ref.path });
    if (!isSuccess(answer)) {
      if (isGatedAnswer(answer)) return fromState(ref);
      throw errorFromAnswer(answer);
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
  };
}
