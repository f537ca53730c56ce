// Signs in at the local OpenID provider the way a person would, over plain HTTP.
import { HttpBrowser } from "./http-browser.ts";
import type { PageHandler } from "./http-browser.ts";
import { fillLoginForm } from "./page-handlers.ts";
import type { Credentials } from "./page-handlers.ts";

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
