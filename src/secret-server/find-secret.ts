// Finding a secret and describing it, without reading it. Every lookup here is value-free: the
// secret's summary for an id, or its folder plus an exact name search for a path, says what guards
// it and which template it uses; the template lists its fields. So describing a secret (when a
// ticket is minted) moves no value into the Worker and leaves no VIEW in Secret Server's audit, and
// a redemption, which finds the secret the same way, moves only the one field it asked for.
import type { z } from "zod";
import { ClaimcheckError } from "../errors";
import { expectJson } from "./answers";
import type { FolderPaths } from "./folder-paths";
import type { RestApi } from "./rest-api";
import { searchAnswer, secretSummaryAnswer } from "./schemas";
import type { NormalisedRef } from "./secret-refs";
import type { TemplateFields } from "./secret-templates";
import type { SecretInfo } from "./types";

/** What guards a secret and which template it is made from: a search record or a secret's summary. */
export type Restrictions = z.output<typeof secretSummaryAnswer>;

type PathRef = Extract<NormalisedRef, { path: string }>;

/** Comment-required secrets are "restricted", and Secret Server's search leaves them out unless asked. */
export const INCLUDE_RESTRICTED = { "filter.includeRestricted": "true" } as const;

export function createSecretFinder(api: RestApi, folders: FolderPaths, templates: TemplateFields) {
  async function byPath(ref: PathRef): Promise<Restrictions> {
    const folderId = await folders.idOf(ref.folderPath);
    const answer = await api.get("/secrets", {
      "filter.searchText": ref.name,
      "filter.folderId": String(folderId),
      "filter.isExactMatch": "true",
      ...INCLUDE_RESTRICTED,
      take: "2",
    });
    const { records } = expectJson(answer, searchAnswer, "secret search");
    const matches = records.filter((r) => r.name.toLowerCase() === ref.name.toLowerCase() && r.folderId === folderId);
    if (matches.length !== 1) throw new ClaimcheckError("NOT_FOUND", { detail: `${matches.length} secrets at path` });
    return matches[0]!;
  }

  async function byId(id: number): Promise<Restrictions> {
    // Unlike the secret state, the summary names the template, so one request tells everything.
    const summary = expectJson(await api.get(`/secrets/${id}/summary`), secretSummaryAnswer, "secret summary");
    if (summary.id !== id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret id mismatch" });
    return summary;
  }

  const restrictions = (ref: NormalisedRef) => ("id" in ref ? byId(ref.id) : byPath(ref));

  /** A found secret with its folder path and fields. A folder that cannot be read is NOT_FOUND. */
  async function detailsOf(found: Restrictions): Promise<SecretInfo> {
    const [folderPath, fields] = await Promise.all([folders.pathOf(found.folderId), templates.fieldsOf(found.secretTemplateId)]);
    const { id, name, folderId, requiresComment, checkOutEnabled, checkedOut } = found;
    return { id, name, folderId, folderPath, requiresComment, checkOutEnabled, checkedOut, fields };
  }

  return {
    restrictions,
    detailsOf,
    describe: async (ref: NormalisedRef) => detailsOf(await restrictions(ref)),
  };
}
