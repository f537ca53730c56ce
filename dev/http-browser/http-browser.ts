// A headless "browser" for OAuth flows in tests: fetch with a cookie jar, following redirects one
// by one and filling the pages it meets through page handlers, until a redirect leaves the origins
// it was told to stay within. It stops there without following, so the test gets the URL (say,
// the Worker's /callback, or an MCP client's redirect URI) and decides what to do with it.
import { CookieJar } from "./cookie-jar.ts";
import { readForms } from "./html-forms.ts";
import type { HtmlForm } from "./html-forms.ts";

const REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_STEPS = 20;

export type Navigation = { url: URL; method: "GET" | "POST"; body?: URLSearchParams };

export type Page = { url: URL; status: number; headers: Headers; html: string; forms: HtmlForm[] };

/** Decides what a person would submit on `page`; undefined when it is not this handler's page. */
export type PageHandler = (page: Page) => Navigation | undefined;

export type FollowOptions = {
  /** Origins to keep following redirects within; the start URL's origin when omitted. */
  within?: string[];
  /** Asked in order; the first that returns a navigation wins. */
  handlers: PageHandler[];
  maxSteps?: number;
};

/** The flow reached a page no handler fills, an error page, or the same form again after posting it. */
export class FlowStuckError extends Error {
  readonly page: Page;

  constructor(reason: string, page: Page) {
    super(`${reason} at ${page.url.origin}${page.url.pathname} (HTTP ${page.status})`);
    this.name = "FlowStuckError";
    this.page = page;
  }
}

export function submitForm(form: HtmlForm, body: URLSearchParams): Navigation {
  if (form.method === "POST") return { url: form.action, method: "POST", body };
  const url = new URL(form.action);
  url.search = body.toString();
  return { url, method: "GET" };
}

function nextAfterRedirect(status: number, from: Navigation, location: URL): Navigation {
  // 307 and 308 repeat the request as it was; the others become a GET, as in browsers.
  if ((status === 307 || status === 308) && from.method === "POST") return { ...from, url: location };
  return { url: location, method: "GET" };
}

export class HttpBrowser {
  readonly jar = new CookieJar();

  /** One request, cookies in and out, redirects not followed. */
  async send(nav: Navigation): Promise<Response> {
    const headers = new Headers({ Accept: "text/html,application/json;q=0.9,*/*;q=0.8" });
    const cookie = this.jar.headerFor(nav.url);
    if (cookie !== undefined) headers.set("Cookie", cookie);
    if (nav.body !== undefined) headers.set("Content-Type", "application/x-www-form-urlencoded");
    const res = await fetch(nav.url, {
      method: nav.method,
      headers,
      body: nav.body?.toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    this.jar.store(nav.url, res.headers);
    return res;
  }

  /** Follows from `start` until a redirect leaves `within`; resolves to that redirect's URL. */
  async followUntilLeaving(start: URL | string, options: FollowOptions): Promise<URL> {
    const first = new URL(start);
    const within = new Set(options.within ?? [first.origin]);
    let nav: Navigation = { url: first, method: "GET" };
    let posted: string | undefined; // the form action just posted to, until a redirect follows
    for (let step = 0; step < (options.maxSteps ?? DEFAULT_MAX_STEPS); step++) {
      const res = await this.send(nav);
      const location = res.headers.get("Location");
      if (res.status >= 300 && res.status < 400 && location !== null) {
        await res.body?.cancel();
        const target = new URL(location, nav.url);
        if (!within.has(target.origin)) return target;
        nav = nextAfterRedirect(res.status, nav, target);
        posted = undefined;
        continue;
      }
      const html = await res.text();
      const page: Page = { url: nav.url, status: res.status, headers: res.headers, html, forms: readForms(html, nav.url) };
      if (!res.ok) throw new FlowStuckError("error page", page);
      const next = options.handlers.reduce<Navigation | undefined>((found, handler) => found ?? handler(page), undefined);
      if (next === undefined) throw new FlowStuckError("no handler for this page", page);
      if (next.method === "POST" && next.url.href === posted) throw new FlowStuckError("the same form came back", page);
      if (next.method === "POST") posted = next.url.href;
      nav = next;
    }
    throw new Error(`no redirect left ${[...within].join(", ")} within ${options.maxSteps ?? DEFAULT_MAX_STEPS} steps`);
  }
}
