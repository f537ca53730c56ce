// The curl call that every curl-based snippet (POSIX shells, fish, cmd) makes to redeem a ticket.

/** Seconds curl may spend on the whole redemption, Secret Server's answer included. */
export const REDEEM_TIMEOUT_SECONDS = 30;

/**
 * The curl command line, without the ticket: the caller pipes `Authorization: Bearer <ticket>`
 * into it and `-H @-` reads that header from stdin, so the ticket never sits in curl's argv where
 * `ps` or /proc would show it to other users. The value leaves on stdout and nowhere else.
 * - `-q` (first, or it is ignored) skips ~/.curlrc, which could add -k, -o or -L.
 * - `-f` makes an HTTP error exit non-zero with no body on stdout; `-sS` hides progress, keeps errors.
 * - `-L --max-redirs 0` makes a redirect an error too: a login page's body must never become the value.
 * - `--proto` allows only the URL's own scheme (http is only ever loopback, checked before); its
 *   `=` is quoted because zsh would expand a word starting with `=` to a command's path.
 */
export function curlRedeem(program: "curl" | "curl.exe", redeemUrl: string, quote: (text: string) => string): string {
  const scheme = redeemUrl.startsWith("https:") ? "https" : "http";
  return `${program} -q -fsSL --max-redirs 0 --proto ${quote(`=${scheme}`)} --max-time ${REDEEM_TIMEOUT_SECONDS} -X POST -H @- ${quote(redeemUrl)}`;
}
