// Finding a secret and describing it, without reading it where the server allows. Value-free
// lookups come first: the secret's summary for an id, or its folder plus an exact name search for a
// path, says what guards it and which template it uses; the template lists its fields. So describing
// a secret (when a ticket is minted) moves no value into the Worker and leaves no VIEW in Secret
// Server's audit, and a redemption, which finds the secret the same way, moves only the one field
// it asked for.
//
// A server built only to what Delinea's SDKs call may lack the summary and template routes, and
// may ignore the search filters. Then the secret is read the way the SDKs read it (by id, or id 0
// with `secretPath`), and its items' slugs and flags are kept while every value is dropped as the
// answer is parsed (see `secretReadAnswer`): never stored, never logged.
import type { z } from "zod";
import { ClaimcheckError } from "../errors";
import { COMMENT_REQUIRED, expectJson, isSuccess, upstreamErrorCode } from "./answers";
import type { FolderPaths } from "./folder-paths";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
import { searchAnswer, type searchRecord, secretReadAnswer, secretSummaryAnswer } from "./schemas";
import type { NormalisedRef } from "./secret-refs";
import type { TemplateFields } from "./secret-templates";
import type { SecretFieldInfo, SecretInfo } from "./types";

/** What guards a secret and which template it is made from: a search record or a secret's summary. */
export type Restrictions = z.output<typeof secretSummaryAnswer>;
/** Restrictions, with the fields too when the secret had to be read to learn them. */
type Found = Restrictions & { fields?: SecretFieldInfo[] };
type SearchRecord = z.output<typeof searchRecord>;
type PathRef = Extract<NormalisedRef, { path: string }>;

/** Comment-required secrets are "restricted", and Secret Server's search leaves them out unless asked. */
export const INCLUDE_RESTRICTED = { "filter.includeRestricted": "true" } as const;

/** Enough for a name to be found in one page even when a server ignores the exact-match filter. */
const PATH_SEARCH_TAKE = 50;

/**
 * The comment on a read made only to list a comment-required secret's fields, where the server
 * offers no value-free way: it says so in Secret Server's audit. The human's own reason is still
 * required before any value is released (see read-field.ts).
 */
export const DESCRIBE_COMMENT = "claimcheck: listing field names to mint a ticket; no value is kept";

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function createSecretFinder(api: RestApi, folders: FolderPaths, templates: TemplateFields, routes: RouteSupport) {
  /** Reads the secret as the SDKs do, keeping its guards and items' slugs and flags, no value. */
  async function readDescription(id: number, query: Record<string, string> = {}): Promise<Found & { fields: SecretFieldInfo[] }> {
    // Secret Server checks a check-out-enabled secret out on a read unless told not to.
    const ask = (extra: Record<string, string>) => api.get(`/secrets/${id}`, { ...query, noAutoCheckout: "true", ...extra });
    let answer = await ask({});
    const commentDemanded = !isSuccess(answer) && upstreamErrorCode(answer) === COMMENT_REQUIRED;
    if (commentDemanded) answer = await ask({ autoComment: DESCRIBE_COMMENT });
    const secret = expectJson(answer, secretReadAnswer, "secret");
    if (id !== 0 && secret.id !== id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret id mismatch" });
    const { items, requiresComment, requiresApprovalForAccess, ...guards } = secret;
    return {
      ...guards,
      requiresComment: requiresComment === true || commentDemanded,
      requiresApproval: requiresApprovalForAccess,
      fields: items.map((i) => ({
        slug: i.slug,
        fieldName: i.fieldName,
        isPassword: i.isPassword ?? false,
        isFile: i.isFile ?? (i.fileAttachmentId ?? 0) > 0,
      })),
    };
  }

  async function byId(id: number): Promise<Found> {
    if (!routes.lacks("secret summary")) {
      // Unlike the secret state, the summary names the template, so one request tells everything.
      const answer = await api.get(`/secrets/${id}/summary`);
      if (!routes.isMissing("secret summary", answer)) {
        const summary = expectJson(answer, secretSummaryAnswer, "secret summary");
        if (summary.id !== id) throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret id mismatch" });
        return summary;
      }
    }
    return readDescription(id);
  }

  /**
   * A search record with every guard, describing the secret by id when the server left one out.
   * Parsed again as a summary so the fields a record may lack (`requiresApproval`) get their defaults.
   */
  function completed(record: SearchRecord): Promise<Found> {
    const complete = secretSummaryAnswer.safeParse(record);
    return complete.success ? Promise.resolve(complete.data) : byId(record.id);
  }

  async function inFolder(found: Found, folderId: number | undefined, folderPath: string): Promise<boolean> {
    if (folderId !== undefined) return found.folderId === folderId;
    const path = await folders.pathOf(found.folderId).catch(() => undefined);
    return path !== undefined && sameName(path, folderPath);
  }

  async function byPath(ref: PathRef): Promise<Found> {
    const folderId = await folders.idOf(ref.folderPath);
    const answer = await api.get("/secrets", {
      "filter.searchText": ref.name,
      ...(folderId === undefined ? {} : { "filter.folderId": String(folderId) }),
      "filter.isExactMatch": "true",
      ...INCLUDE_RESTRICTED,
      take: String(PATH_SEARCH_TAKE),
    });
    const { records } = expectJson(answer, searchAnswer, "secret search");
    // The filters narrow the search where the server honours them; the match is decided here.
    const named = await Promise.all(records.filter((r) => sameName(r.name, ref.name)).map(completed));
    const here = (await Promise.all(named.map(async (s) => ((await inFolder(s, folderId, ref.folderPath)) ? s : undefined)))).filter(
      (s) => s !== undefined,
    );
    if (here.length > 1) throw new ClaimcheckError("NOT_FOUND", { detail: `${here.length} secrets at path` });
    if (here.length === 1) return here[0]!;
    // Not in the search: a server that ignores the filters may have cut the page short, or hides
    // restricted secrets. Secret Server's own path lookup settles it (a read, so only now; for a
    // path that does not exist it answers Access Denied and moves nothing).
    return readDescription(0, { secretPath: ref.path });
  }

  const restrictions = (ref: NormalisedRef) => ("id" in ref ? byId(ref.id) : byPath(ref));

  /** A found secret with its folder path and fields. A folder that cannot be read is NOT_FOUND. */
  async function detailsOf(found: Found): Promise<SecretInfo> {
    const fieldsOf = async () => found.fields ?? (await templates.fieldsOf(found.secretTemplateId)) ?? (await readDescription(found.id)).fields;
    const [folderPath, fields] = await Promise.all([folders.pathOf(found.folderId), fieldsOf()]);
    const { id, name, folderId, requiresComment, requiresApproval, checkOutEnabled, checkedOut } = found;
    return { id, name, folderId, folderPath, requiresComment, requiresApproval, checkOutEnabled, checkedOut, fields };
  }

  return {
    restrictions,
    /** A search record described: its guards (by id if the record lacks them), folder path and fields. */
    describeRecord: async (record: SearchRecord) => detailsOf(await completed(record)),
    describe: async (ref: NormalisedRef) => detailsOf(await restrictions(ref)),
  };
}
