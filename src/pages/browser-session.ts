// A short-lived signed-in session for claimcheck's own pages (consent, approvals, the audit view),
// separate from OAuth tokens: a person signs in through the same SSO and gets a cookie that is
// good for these pages only, never for /mcp or any API.
// The cookie holds a random 256-bit handle; OAUTH_KV holds the record only under the handle's
// SHA-256, so whoever reads storage cannot become the user. Like the browser binding, the cookie
// is `__Host-` + Secure under https and a plain host-only name on http loopback.
import type { Context } from "hono";
import { generateCookie, getCookie } from "hono/cookie";
import { z } from "zod";
import { randomHandle, sha256Base64url } from "../auth/digest";
import { Identity } from "../auth/identity";
import type { Config } from "../config";

/**
 * 15 minutes, fixed from sign-in (not sliding): long enough to read a page and decide, short
 * enough that a browser left signed in stops acting for its user soon. Groups are read at sign-in,
 * so this also bounds how stale they can be. Above KV's 60 s minimum expirationTtl.
 */
export const BROWSER_SESSION_TTL_SECONDS = 15 * 60;

const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const KEY_PREFIX = "browser-session:";

export type BrowserSession = { identity: Identity; csrf: string };

/** What OAUTH_KV holds, validated on every read. */
const StoredSession = z.object({
  identity: Identity,
  /** The form token of this session (see csrf.ts); as random as the handle, useless without it. */
  csrf: z.string().regex(HANDLE_PATTERN),
  /** Epoch ms. KV expiry is lazy and eventually consistent, so it is checked on read too. */
  expiresAt: z.number(),
});
type StoredSession = z.infer<typeof StoredSession>;

export function browserSessionCookieName(publicUrl: string): string {
  return publicUrl.startsWith("https:") ? "__Host-claimcheck-session" : "claimcheck-session";
}

async function keyFor(handle: string): Promise<string> {
  return `${KEY_PREFIX}${await sha256Base64url(handle)}`;
}

function sessionCookie(config: Config, value: string, maxAge: number): string {
  return generateCookie(browserSessionCookieName(config.publicUrl), value, {
    path: "/",
    httpOnly: true, // no script, ours or injected, reads the handle
    secure: config.publicUrl.startsWith("https:"),
    // Sent on top-level navigations from elsewhere (a link to an approval page, the IdP's return),
    // never on cross-site posts or subrequests; csrf.ts checks forms besides.
    sameSite: "Lax",
    maxAge,
  });
}

/** The handle the request's cookie carries, if it is well formed. */
function handleOf(c: Context, config: Config): string | undefined {
  const value = getCookie(c, browserSessionCookieName(config.publicUrl));
  return value !== undefined && HANDLE_PATTERN.test(value) ? value : undefined;
}

/**
 * Starts a session for an identity the IdP just vouched for; returns its Set-Cookie. Always a new
 * handle, never one the browser brought (session fixation).
 */
export async function startBrowserSession<E extends { Bindings: Env }>(
  c: Context<E>,
  config: Config,
  identity: Identity,
): Promise<string> {
  const handle = randomHandle();
  const record: StoredSession = { identity, csrf: randomHandle(), expiresAt: Date.now() + BROWSER_SESSION_TTL_SECONDS * 1000 };
  await c.env.OAUTH_KV.put(await keyFor(handle), JSON.stringify(record), { expirationTtl: BROWSER_SESSION_TTL_SECONDS });
  return sessionCookie(config, handle, BROWSER_SESSION_TTL_SECONDS);
}

/** The session this request carries; undefined for no cookie, a malformed, unknown or expired one alike. */
export async function browserSessionOf<E extends { Bindings: Env }>(
  c: Context<E>,
  config: Config,
): Promise<BrowserSession | undefined> {
  const handle = handleOf(c, config);
  if (handle === undefined) return undefined; // refused before storage is touched
  const stored = StoredSession.safeParse(await c.env.OAUTH_KV.get(await keyFor(handle), "json"));
  if (!stored.success || stored.data.expiresAt <= Date.now()) return undefined;
  return { identity: stored.data.identity, csrf: stored.data.csrf };
}

/**
 * Ends the session: deletes its record and returns a Set-Cookie that clears the cookie. KV deletes
 * can take about a minute to reach other locations, so a copied cookie may work there until then;
 * the 15-minute cap bounds it either way.
 */
export async function endBrowserSession<E extends { Bindings: Env }>(c: Context<E>, config: Config): Promise<string> {
  const handle = handleOf(c, config);
  if (handle !== undefined) await c.env.OAUTH_KV.delete(await keyFor(handle));
  return sessionCookie(config, "", 0);
}
