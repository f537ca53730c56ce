// Rotating a password field without anyone seeing the new value. Where the secret has remote
// password changing on (`autoChangeEnabled`), Secret Server's own change-password is asked for, with
// no `newPassword`, so Secret Server generates the value and changes the target system too; setting
// only the stored value there would leave the vault and the account disagreeing. Elsewhere, Secret
// Server's generator makes the value and it is set in the field (set-field.ts).
import { ClaimcheckError } from "../errors";
import { auditComment, requireReason } from "./audit-comment";
import { expectJson } from "./answers";
import type { CheckOut } from "./check-out";
import type { createSecretFinder } from "./find-secret";
import type { PasswordGenerator } from "./password-generator";
import type { RestApi } from "./rest-api";
import type { RouteSupport } from "./route-support";
import { passwordChangeAnswer } from "./schemas";
import { checkSlug } from "./secret-refs";
import type { FieldWriter } from "./set-field";
import type { TemplateLookup } from "./template-lookup";
import type { Rotation, SecretTemplate, SecretTemplateField, WriteContext } from "./types";

type Deps = {
  api: RestApi;
  routes: RouteSupport;
  finder: ReturnType<typeof createSecretFinder>;
  templates: TemplateLookup;
  generatePassword: PasswordGenerator;
  writeField: FieldWriter;
  withCheckOut: CheckOut;
  now: () => number;
};

const numericId = (id: number) => Number.isSafeInteger(id) && id > 0 && id <= 2 ** 31 - 1;

function passwordField(template: SecretTemplate, slug: string): SecretTemplateField {
  const field = template.fields.find((f) => f.slug === slug);
  const refused = (message: string, detail: string) => new ClaimcheckError("BAD_REQUEST", { message, detail });
  if (!field) throw refused(`The secret's template has no field "${slug}".`, "unknown field slug");
  if (!field.isPassword) throw refused(`Field "${slug}" is not a password field; only password fields are rotated.`, "not a password field");
  return field;
}

export function createPasswordRotation(deps: Deps) {
  const { api, routes } = deps;

  /** The template of a secret that names it: a refusal is the operator's to fix, as for reads. */
  async function templateOf(templateId: number): Promise<SecretTemplate> {
    return deps.templates.byId(templateId).catch((err: unknown) => {
      if (!(err instanceof ClaimcheckError) || err.code !== "NOT_FOUND") throw err;
      throw new ClaimcheckError("CONFIG_INVALID", {
        detail: `secret template ${templateId}: ${err.detail}; the application account must be allowed to view secret templates`,
      });
    });
  }

  async function changeRemotely(id: number, comment: string): Promise<void> {
    // No newPassword: Secret Server generates the value from the field's requirement, so it never
    // passes through claimcheck. Never repeated: a second request would queue a second change.
    const answer = await api.post(`/secrets/${id}/change-password`, { comment }, { maxRetries: 0 }).catch((err: unknown) => {
      if (!(err instanceof ClaimcheckError) || err.code !== "UPSTREAM_UNAVAILABLE") throw err;
      throw new ClaimcheckError(err.code, { detail: `${err.detail ?? "no answer"}; the change may have been queued` });
    });
    if (routes.isMissing("change password", answer)) {
      throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", {
        detail: "no change-password route: refusing to change only the stored password of a secret with remote password changing",
      });
    }
    if (expectJson(answer, passwordChangeAnswer, "password change").id !== id) {
      throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "password change: secret id mismatch" });
    }
  }

  return async function rotatePassword(id: number, slug: string, context: WriteContext): Promise<Rotation> {
    if (!numericId(id)) throw new ClaimcheckError("BAD_REQUEST", { detail: "invalid secret id" });
    const checkedSlug = checkSlug(slug);
    const secret = await deps.finder.restrictions({ id });
    const template = await templateOf(secret.secretTemplateId);
    const field = passwordField(template, checkedSlug);
    requireReason(secret, context);
    // Unknown is not "off": guessing wrong would leave the vault and the account disagreeing.
    if (secret.autoChangeEnabled === undefined) {
      throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "secret does not say whether remote password changing is on" });
    }
    // Remote password changing changes the secret's password: the template's first password field.
    const remote = secret.autoChangeEnabled && template.fields.find((f) => f.isPassword) === field;
    if (remote) {
      const comment = auditComment(context);
      const change = () => changeRemotely(id, comment);
      await (secret.checkOutEnabled ? deps.withCheckOut(id, comment, change) : change());
    } else {
      await deps.writeField(secret, checkedSlug, await deps.generatePassword(field), context);
    }
    return { rotatedAt: new Date(deps.now()).toISOString(), remote };
  };
}
