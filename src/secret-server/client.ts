// The Secret Server client claimcheck uses: describe a secret, read one field, search, Secret
// Server's approval workflow (access-requests.ts), and the writes (secret-writes.ts). Built from the
// parsed settings; one client per isolate keeps its token, folder and template caches across requests.
import type { SecretServerSettings } from "../config";
import { ClaimcheckError } from "../errors";
import { createAccessRequests } from "./access-requests";
import { expectJson } from "./answers";
import { createSecretFinder, INCLUDE_RESTRICTED } from "./find-secret";
import { createFolderPaths } from "./folder-paths";
import { createFieldReader } from "./read-field";
import { createRestApi } from "./rest-api";
import { createRouteSupport } from "./route-support";
import { searchAnswer } from "./schemas";
import { createSecretWrites } from "./secret-writes";
import { checkSearchText, checkSlug, normaliseRef } from "./secret-refs";
import { createTemplateFields } from "./secret-templates";
import { createTokenSource } from "./token-source";
import { createTransport, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from "./transport";
import type { SecretServerClient, SecretServerClientOptions, SecretSummary } from "./types";

/** One page of search results is enough for an agent to pick from; it can narrow the text. */
export const SEARCH_LIMIT = 25;

export function createSecretServerClient(
  settings: SecretServerSettings,
  options: SecretServerClientOptions = {},
): SecretServerClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  // A plain call of the global fetch: workerd refuses fetch invoked as a method of another object.
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const transport = createTransport({ fetch: fetchFn, timeoutMs, maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES });
  const api = createRestApi(createTokenSource(settings, transport, { now, timeoutMs }), transport);
  // What this server lacks is learnt once per client, and so per isolate (see route-support.ts).
  const routes = createRouteSupport(now);
  const folders = createFolderPaths(api, routes, now);
  const finder = createSecretFinder(api, folders, createTemplateFields(api, routes, now), routes);
  const read = createFieldReader(api, routes);

  return {
    ...createAccessRequests(api, now),
    ...createSecretWrites({ api, routes, folders, finder, now }),

    async getSecret(ref) {
      return finder.describe(normaliseRef(ref));
    },

    async readField(ref, slug, context = {}) {
      const checkedSlug = checkSlug(slug);
      const normal = normaliseRef(ref);
      const guards = context.known && "id" in normal ? { id: normal.id, ...context.known } : await finder.restrictions(normal);
      return read(guards, checkedSlug, context);
    },

    // Fields come from the results' templates, cached and shared: one request per distinct
    // template, however many results use it, and never a read of a secret where the server has
    // templates and summaries.
    async search(text) {
      const answer = await api.get("/secrets", {
        "filter.searchText": checkSearchText(text),
        ...INCLUDE_RESTRICTED,
        take: String(SEARCH_LIMIT),
      });
      const { records } = expectJson(answer, searchAnswer, "secret search");
      const found = await Promise.all(
        records.map((r) =>
          finder.describeRecord(r).catch((err: unknown) => {
            // A result whose folder cannot be read cannot pass a folder policy: leave it out.
            if (err instanceof ClaimcheckError && err.code === "NOT_FOUND") return undefined;
            throw err;
          }),
        ),
      );
      return found
        .filter((s) => s !== undefined)
        .map(({ id, name, folderId, folderPath, requiresComment, checkOutEnabled, fields }): SecretSummary => ({
          id,
          name,
          folderId,
          folderPath,
          requiresComment,
          checkOutEnabled,
          fields,
        }));
    },
  };
}

const perIsolate = new WeakMap<SecretServerSettings, SecretServerClient>();

/**
 * The client for these settings, shared by every request this isolate serves, so a token is
 * requested once per lifetime rather than once per request. loadConfig hands out the same settings
 * object for the same env, which is what keys this cache.
 */
export function secretServerClientFor(settings: SecretServerSettings): SecretServerClient {
  let client = perIsolate.get(settings);
  if (!client) {
    client = createSecretServerClient(settings);
    perIsolate.set(settings, client);
  }
  return client;
}
