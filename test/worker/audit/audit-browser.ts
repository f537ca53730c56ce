// A browser signed in to the audit pages through the test IdP, as a viewer or not, and small
// readers of what the pages show.
import { expect } from "vitest";
import { Browser, PUBLIC_URL, visitIdp, type IdpChoice } from "../auth/sign-in-driver";

/** AUDIT_VIEWERS in vitest.config.ts names the group `security`, this email and this subject. */
export const VIEWER_BY_GROUP: IdpChoice = { sub: "sec-by-group", email: "sec@corp.example", groups: "security" };
export const VIEWER_BY_EMAIL: IdpChoice = { sub: "sec-by-email", email: "Auditor@Corp.Example", groups: "" };
export const VIEWER_BY_SUBJECT: IdpChoice = { sub: "viewer-subject-1", email: "someone@corp.example", groups: "" };
/** The test IdP's default groups (payments, eng) name no viewer. */
export const NOT_A_VIEWER: IdpChoice = { sub: "not-a-viewer", email: "dev2@corp.example" };

/** Opens `path`, signs in at the IdP as `who`, and comes back to it; returns the browser. */
export async function signedInBrowser(who: IdpChoice, path = "/audit"): Promise<Browser> {
  const browser = new Browser();
  const start = await browser.worker(`${PUBLIC_URL}${path}`);
  expect(start.status).toBe(302);
  const back = await browser.worker(await visitIdp(start.headers.get("Location")!, who));
  expect(back.status).toBe(302);
  expect(back.headers.get("Location")).toBe(`${PUBLIC_URL}${path}`);
  return browser;
}

export async function page(browser: Browser, path: string): Promise<{ res: Response; html: string }> {
  const res = await browser.worker(`${PUBLIC_URL}${path}`);
  return { res, html: await res.text() };
}

/** The table rows of an audit list page, as the text of each row's cells. */
export function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? "";
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim()));
}

/** The "Older »" link of a list page, as a path, or undefined on the last page. */
export function olderLink(html: string): string | undefined {
  const href = /<a href="([^"]+)" rel="next">/.exec(html)?.[1];
  return href && decodeEntities(href);
}

/** What a browser makes of an attribute value: numeric character references decoded. */
export function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&");
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("no csrf field on the page");
  return match[1]!;
}

export function postForm(browser: Browser, path: string, form: Record<string, string>, headers: Record<string, string> = { Origin: PUBLIC_URL }) {
  return browser.worker(`${PUBLIC_URL}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form),
  });
}
