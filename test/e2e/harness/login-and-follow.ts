// Signs in at the local OpenID provider the way a person would, over plain HTTP.
import { formData } from "./html-forms.ts";
import { HttpBrowser, submitForm } from "./http-browser.ts";
import type { PageHandler } from "./http-browser.ts";

export type Credentials = { username: string; password: string };

/** Fills and submits the first form that has a password field. */
export function fillLoginForm({ username, password }: Credentials): PageHandler {
  return (page) => {
    const form = page.forms.find((f) => f.inputs.some((i) => i.type === "password"));
    return form && submitForm(form, formData(form, { username, password }));
  };
}

export type LoginAndFollowOptions = Credentials & {
  /** Reuse a browser to keep its cookies (an IdP session, a consent cookie) across flows. */
  browser?: HttpBrowser;
  /** Origins to keep following within; the authorization URL's origin when omitted. */
  within?: string[];
  /** Pages to fill before the sign-in form is tried, such as the Worker's consent page. */
  handlers?: PageHandler[];
};

/**
 * Follows `authorizeUrl` through the sign-in form and resolves to the first redirect that leaves
 * `within` (for the provider alone: the redirect to the relying party's callback, with `code`,
 * `state` and `iss`), without following it. Rejects with FlowStuckError (its `page` is what the
 * person would see) when sign-in fails or a page has no handler.
 */
export async function loginAndFollow(authorizeUrl: URL | string, options: LoginAndFollowOptions): Promise<URL> {
  const browser = options.browser ?? new HttpBrowser();
  const handlers = [...(options.handlers ?? []), fillLoginForm(options)];
  return browser.followUntilLeaving(authorizeUrl, { handlers, within: options.within });
}
