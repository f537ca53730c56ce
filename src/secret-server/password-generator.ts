// Secret Server's own password generator: a new value for a template's password field, built by
// Secret Server from the field's password requirement (length, character sets). The value goes
// straight into the write that needs it and is never returned, logged or put in an error.
import { ClaimcheckError } from "../errors";
import { expectJson } from "./answers";
import type { RestApi } from "./rest-api";
import { generatedPasswordAnswer } from "./schemas";
import { checkFieldValue } from "./write-values";

export type PasswordGenerator = (field: { fieldId: number; slug: string }) => Promise<string>;

export function createPasswordGenerator(api: RestApi): PasswordGenerator {
  return async function generatePassword({ fieldId, slug }) {
    // Retried like a read: a repeat after a timeout only makes Secret Server generate another
    // value, and a value whose answer was lost is never used.
    const answer = await api.post(`/secret-templates/generate-password/${fieldId}`);
    const value = expectJson(answer, generatedPasswordAnswer, "generated password");
    try {
      return checkFieldValue(value, slug);
    } catch {
      // A generator that produced something no field can hold is Secret Server's fault, not the caller's.
      throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "generated password cannot be stored" });
    }
  };
}
