// Where claimcheck may send or point anyone: https, and plain http only on loopback (local runs
// and tests). A leaf module with no imports, so settings, snippets and the CI trust rules can all
// use the one rule without importing each other.

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** True for https URLs, and for http only on loopback. */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}
