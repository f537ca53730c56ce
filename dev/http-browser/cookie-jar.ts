// A browser's cookie store, small: host-only cookies matched by host (not port, as browsers do, so
// the Worker and the OpenID provider on 127.0.0.1 share a jar as they would in Chrome), path and
// expiry. Secure cookies are sent over http too: tests run on loopback, which browsers treat as a
// secure context.
import { parseSetCookie } from "cookie";

type StoredCookie = { name: string; value: string; host: string; path: string; expiresAt: number };

/** RFC 6265 §5.1.4: the directory of the request path. */
function defaultPath(url: URL): string {
  const slash = url.pathname.lastIndexOf("/");
  return slash <= 0 ? "/" : url.pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

export class CookieJar {
  #cookies = new Map<string, StoredCookie>();

  /** Takes every Set-Cookie of a response to a request for `url`. */
  store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      // Keep the value as sent: it goes back byte for byte.
      const parsed = parseSetCookie(line, { decode: (s) => s });
      const path = parsed.path?.startsWith("/") ? parsed.path : defaultPath(url);
      const key = `${url.hostname}\n${path}\n${parsed.name}`;
      const expiresAt =
        parsed.maxAge !== undefined ? Date.now() + parsed.maxAge * 1000 : (parsed.expires?.getTime() ?? Infinity);
      if (expiresAt <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, { name: parsed.name, value: parsed.value ?? "", host: url.hostname, path, expiresAt });
    }
  }

  /** The Cookie header a browser would send to `url`, longest paths first; undefined when empty. */
  headerFor(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.#cookies.values()]
      .filter((c) => c.host === url.hostname && c.expiresAt > now && pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join("; ");
  }
}
