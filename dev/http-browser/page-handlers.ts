// What a person does on the pages of a sign-in: fill the password form, press a button. Each is a
// PageHandler for HttpBrowser.followUntilLeaving and loginAndFollow.
import { formData, formWithButton } from "./html-forms.ts";
import type { FormButton } from "./html-forms.ts";
import { submitForm } from "./http-browser.ts";
import type { PageHandler } from "./http-browser.ts";

export type Credentials = { username: string; password: string };

/** Fills and submits the first form that has a password field. */
export function fillLoginForm({ username, password }: Credentials): PageHandler {
  return (page) => {
    const form = page.forms.find((f) => f.inputs.some((i) => i.type === "password"));
    return form && submitForm(form, formData(form, { username, password }));
  };
}

/**
 * Presses the button `name`=`value` (e.g. the Worker's consent page: `{ name: "decision", value:
 * "approve" }`) on any page that has it; `onPath` limits that to pages shown at that path.
 */
export function pressButton(button: FormButton, options: { onPath?: string } = {}): PageHandler {
  return (page) => {
    if (options.onPath !== undefined && page.url.pathname !== options.onPath) return undefined;
    const form = formWithButton(page.forms, button);
    return form && submitForm(form, formData(form, {}, button));
  };
}
