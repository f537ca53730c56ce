// A secret carries only its folder id; folder policies need the path. Folders rarely move, so
// paths (and the ids of paths) are cached briefly per client, and so per isolate.
import { ClaimcheckError } from "../errors";
import { expectJson } from "./answers";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
import { folderAnswer } from "./schemas";

/** Short enough that a moved folder is seen within a minute. */
export const FOLDER_PATH_TTL_MS = 60_000;
const ROOT_PATH = "\\";

export type FolderPaths = {
  /** The folder's path; `\` for the root. Throws NOT_FOUND when the folder cannot be read. */
  pathOf(folderId: number | null): Promise<string>;
  /**
   * The id of the folder at `path` (like `\db`); undefined when this server cannot look folders
   * up by path, and the caller must match folder paths itself. Throws NOT_FOUND for no such folder.
   */
  idOf(path: string): Promise<number | undefined>;
};

export function createFolderPaths(api: RestApi, routes: RouteSupport, now: () => number): FolderPaths {
  const paths = new Map<number, { path: string; expiresAt: number }>();
  const ids = new Map<string, { id: number; expiresAt: number }>();

  return {
    async pathOf(folderId) {
      // Secret Server's root folder is -1; secrets at the root may also carry no folder.
      if (folderId === null || folderId <= 0) return ROOT_PATH;
      const hit = paths.get(folderId);
      if (hit && now() < hit.expiresAt) return hit.path;
      const folder = expectJson(await api.get(`/folders/${folderId}`), folderAnswer, "folder");
      if (folder.id !== folderId) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "folder id mismatch" });
      paths.set(folderId, { path: folder.folderPath, expiresAt: now() + FOLDER_PATH_TTL_MS });
      return folder.folderPath;
    },
    async idOf(path) {
      if (path === ROOT_PATH) return -1;
      // Keyed case-insensitively, as Secret Server matches folder names.
      const key = path.toLowerCase();
      const hit = ids.get(key);
      if (hit && now() < hit.expiresAt) return hit.id;
      if (routes.lacks("folder by path")) return undefined;
      const answer = await api.get("/folders/0", { folderPath: path });
      if (routes.isMissing("folder by path", answer)) return undefined;
      const folder = expectJson(answer, folderAnswer, "folder");
      // A folder other than the one asked for means the server ignored `folderPath`: trusting the
      // answer would look for the secret in the wrong folder, so the caller matches paths itself.
      if (folder.folderPath.toLowerCase() !== key) return undefined;
      const expiresAt = now() + FOLDER_PATH_TTL_MS;
      ids.set(key, { id: folder.id, expiresAt });
      paths.set(folder.id, { path: folder.folderPath, expiresAt });
      return folder.id;
    },
  };
}
