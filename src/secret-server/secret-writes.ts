// The writer half of the client: templates and folders as a write names them, creating a secret,
// setting a field and rotating a password. Each job is its own module; this wires them to the
// client's shared REST API, route memory, folder paths and secret finder.
import { ClaimcheckError } from "../errors";
import { createCheckOut } from "./check-out";
import { createSecretCreator } from "./create-secret";
import type { createSecretFinder } from "./find-secret";
import type { FolderPaths } from "./folder-paths";
import { createPasswordGenerator } from "./password-generator";
import type { RestApi } from "./rest-api";
import { createPasswordRotation } from "./rotate-password";
import type { RouteSupport } from "./route-support";
import { checkSlug } from "./secret-refs";
import { createFieldWriter } from "./set-field";
import { createTemplateLookup } from "./template-lookup";
import type { SecretWriter } from "./types";
import { checkFieldValue } from "./write-values";

type Deps = {
  api: RestApi;
  routes: RouteSupport;
  folders: FolderPaths;
  finder: ReturnType<typeof createSecretFinder>;
  now: () => number;
};

const MAX_PATH_CHARS = 1000;
const NO_CONTROL_CHARS = /^[^\p{Cc}\p{Cf}]*$/u;

function checkSecretId(id: number): number {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2 ** 31 - 1) throw new ClaimcheckError("BAD_REQUEST", { detail: "invalid secret id" });
  return id;
}

/** `Payments/agents`, `\Payments\agents` and `/Payments//agents/` all become `\Payments\agents`; `\` is the root. */
function folderPathOf(path: string): string {
  if (typeof path !== "string" || path.length > MAX_PATH_CHARS || !NO_CONTROL_CHARS.test(path)) {
    throw new ClaimcheckError("BAD_REQUEST", { detail: "invalid folder path" });
  }
  return `\\${path.split(/[\\/]+/).filter((part) => part.length > 0).join("\\")}`;
}

export function createSecretWrites(deps: Deps): SecretWriter {
  const { api, routes, folders, finder, now } = deps;
  const templates = createTemplateLookup(api, routes);
  const withCheckOut = createCheckOut(api, routes);
  const generatePassword = createPasswordGenerator(api);
  const writeField = createFieldWriter(api, withCheckOut);

  return {
    templateByNameOrId: (ref) => templates.byNameOrId(ref),

    async folderIdByPath(path) {
      const id = await folders.idOf(folderPathOf(path));
      // Secret Server's own folder-by-path lookup is the only sure way; without it, no guessing.
      if (id === undefined) throw new ClaimcheckError("NOT_FOUND", { detail: "this server cannot look folders up by path" });
      return id;
    },

    createSecret: createSecretCreator({ api, routes, templates, folders, finder, generatePassword }),

    async setField(id, slug, value, context) {
      const secretId = checkSecretId(id);
      const checkedSlug = checkSlug(slug);
      const checkedValue = checkFieldValue(value, checkedSlug);
      const guards = context.known ? { id: secretId, ...context.known } : await finder.restrictions({ id: secretId });
      await writeField(guards, checkedSlug, checkedValue, context);
    },

    rotatePassword: createPasswordRotation({ api, routes, finder, templates, generatePassword, writeField, withCheckOut, now }),
  };
}
