// The curl call that every curl-based snippet (POSIX shells, fish, cmd) makes to redeem a ticket.
import type { CheckedSnippetRequest } from "./snippet-request";

/** Seconds curl may spend on the whole redemption, Secret Server's answer included. */
export const REDEEM_TIMEOUT_SECONDS = 30;

/** Seconds between polls when an answer names none (Retry-After wins); without it curl doubles each wait. */
const APPROVAL_POLL_SECONDS = 2;

/**
 * The curl command line, without the ticket: the caller pipes `Authorization: Bearer <ticket>`
 * into it and `-H @-` reads that header from stdin, so the ticket never sits in curl's argv where
 * `ps` or /proc would show it to other users. The value leaves on stdout and nowhere else.
 * - `-q` (first, or it is ignored) skips ~/.curlrc, which could add -k, -o or -L.
 * - `-f` makes an HTTP error exit non-zero with no body on stdout; `-sS` hides progress, keeps errors.
 * - `-L --max-redirs 0` makes a redirect an error too: a login page's body must never become the value.
 * - `--proto` allows only the URL's own scheme (http is only ever loopback, checked before); its
 *   `=` is quoted because zsh would expand a word starting with `=` to a command's path.
 *
 * A ticket that waits for approval is answered 503 with `Retry-After: 2` until someone decides.
 * curl's own `--retry` waits the server's Retry-After and asks again (7.66+), so every shell
 * waits the same way with no loop of ours, never more than one request every 2 s, and gives up at
 * the approval deadline. `-S` goes, or each wait would print an error line; instead curl prints
 * the server's reason once, at the end, only on failure (`%{onerror}`, 7.75+; `%header{}`, 7.84+).
 * curl older than 7.63 does not know `%{stderr}` and would append the reason line to the value:
 * waiting snippets need curl 7.75 or later (README).
 */
export function curlRedeem(program: "curl" | "curl.exe", request: CheckedSnippetRequest, quote: (text: string) => string): string {
  const { redeemUrl, approval } = request;
  const scheme = redeemUrl.startsWith("https:") ? "https" : "http";
  const base = `${program} -q -fsSL --max-redirs 0 --proto ${quote(`=${scheme}`)} --max-time ${REDEEM_TIMEOUT_SECONDS}`;
  if (approval === undefined) return `${base} -X POST -H @- ${quote(redeemUrl)}`;
  const waiting = approval.waitSeconds + REDEEM_TIMEOUT_SECONDS;
  const retries = Math.ceil(waiting / APPROVAL_POLL_SECONDS) + 1;
  const reason = quote("%{onerror}%{stderr}claimcheck: %header{claimcheck-error}\\n");
  return `${base.replace("-fsSL", "-fsL")} --retry ${retries} --retry-delay ${APPROVAL_POLL_SECONDS} --retry-max-time ${waiting} -w ${reason} -X POST -H @- ${quote(redeemUrl)}`;
}

/** The line a waiting snippet prints on stderr before it starts to wait. */
export function waitingNotice(approvalUrl: string): string {
  return `claimcheck: waiting for approval: ${approvalUrl}`;
}
