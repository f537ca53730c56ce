// The curl options every curl-based snippet (POSIX shells, fish, cmd) shares, whether it redeems a
// ticket or deposits a value: one place decides how claimcheck is called, so no form can drift.

/** Seconds curl may spend on one request, Secret Server's answer included. */
export const REQUEST_TIMEOUT_SECONDS = 30;

/** Seconds between polls when an answer names none (Retry-After wins); without it curl doubles each wait. */
export const APPROVAL_POLL_SECONDS = 2;

/**
 * The start of every call.
 * - `-q` (first, or it is ignored) skips ~/.curlrc, which could add -k, -o or -L.
 * - `-f` makes an HTTP error exit non-zero with no body on stdout; `-s` hides progress. `-S` keeps
 *   curl's own error line; `quiet` drops it where the snippet prints the server's reason instead
 *   (`reasonOnFailure`), or a waiting call would print one line per refused poll.
 * - `-L --max-redirs 0` makes a redirect an error too: a login page's body must never be taken
 *   for an answer.
 * - `--proto` allows only the URL's own scheme (http is only ever loopback, checked before); its
 *   `=` is quoted because zsh would expand a word starting with `=` to a command's path.
 */
export function curlBase(
  program: "curl" | "curl.exe",
  url: string,
  quote: (text: string) => string,
  quiet: boolean,
  maxTimeSeconds = REQUEST_TIMEOUT_SECONDS,
): string {
  const scheme = url.startsWith("https:") ? "https" : "http";
  return `${program} -q ${quiet ? "-fsL" : "-fsSL"} --max-redirs 0 --proto ${quote(`=${scheme}`)} --max-time ${maxTimeSeconds}`;
}

/**
 * A ticket that waits for approval is answered 503 with `Retry-After: 2` until someone decides.
 * curl's own `--retry` waits the server's Retry-After and asks again (7.66+), so every shell
 * waits the same way with no loop of ours, never more than one request every 2 s, and gives up at
 * the approval deadline. A retry sends the same body again: `--data-binary @-` reads it once.
 */
export function curlWaiting(waitSeconds: number): string {
  const waiting = waitSeconds + REQUEST_TIMEOUT_SECONDS;
  const retries = Math.ceil(waiting / APPROVAL_POLL_SECONDS) + 1;
  return `--retry ${retries} --retry-delay ${APPROVAL_POLL_SECONDS} --retry-max-time ${waiting}`;
}

/**
 * Prints the server's reason (its `Claimcheck-Error: CODE: message` header) once, on stderr, only
 * on failure (`%{onerror}`, 7.75+; `%header{}`, 7.84+). curl older than 7.63 does not know
 * `%{stderr}` and would write the line to stdout: such snippets need curl 7.75 or later (README).
 */
export function reasonOnFailure(quote: (text: string) => string): string {
  return `-w ${quote("%{onerror}%{stderr}claimcheck: %header{claimcheck-error}\\n")}`;
}
