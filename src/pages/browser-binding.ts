// A random value in an HttpOnly cookie that ties each sign-in step to the browser that started
// it: the `state` (of an OAuth or a page sign-in) and the consent handle are only accepted with it
// (CSRF and login-CSRF defence).
// One value per browser, so two tabs can sign in at once. It is `__Host-` + Secure whenever the
// Worker is served over https; on plain-http loopback (local runs) browsers refuse Secure and the
// `__Host-` prefix, so only there the cookie falls back to a plain, host-only name.
import type { Context } from "hono";
import { generateCookie, getCookie } from "hono/cookie";
import { randomHandle, sha256Base64url } from "../auth/digest";

/** Covers an SSO login (10 min) followed by the consent page (10 min); renewed at each step. */
const BINDING_MAX_AGE_SECONDS = 30 * 60;
const BINDING_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function bindingCookieName(publicUrl: string): string {
  return publicUrl.startsWith("https:") ? "__Host-claimcheck-browser" : "claimcheck-browser";
}

export type BrowserBinding = { digest: string; setCookie: string };

/** The browser's binding digest and the Set-Cookie that creates it or renews its lifetime. */
export async function bindBrowser(c: Context, publicUrl: string): Promise<BrowserBinding> {
  const name = bindingCookieName(publicUrl);
  const current = getCookie(c, name);
  const value = current !== undefined && BINDING_PATTERN.test(current) ? current : randomHandle();
  const setCookie = generateCookie(name, value, {
    path: "/",
    httpOnly: true,
    secure: publicUrl.startsWith("https:"),
    sameSite: "Lax", // sent on the IdP's top-level redirect back to /callback, not on cross-site posts
    maxAge: BINDING_MAX_AGE_SECONDS,
  });
  return { digest: await sha256Base64url(value), setCookie };
}

/** The digest of the binding this request carries, if any. */
export async function browserBindingOf(c: Context, publicUrl: string): Promise<string | undefined> {
  const value = getCookie(c, bindingCookieName(publicUrl));
  return value !== undefined && BINDING_PATTERN.test(value) ? sha256Base64url(value) : undefined;
}
