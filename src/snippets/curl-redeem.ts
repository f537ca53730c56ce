// The curl call that every curl-based snippet (POSIX shells, fish, cmd) makes to redeem a ticket.
import { curlBase, curlWaiting, reasonOnFailure } from "./curl-options";
import type { CheckedSnippetRequest } from "./snippet-request";

/**
 * The curl command line, without the ticket: the caller pipes `Authorization: Bearer <ticket>`
 * into it and `-H @-` reads that header from stdin, so the ticket never sits in curl's argv where
 * `ps` or /proc would show it to other users. The value leaves on stdout and nowhere else.
 * Waiting for approval, curl retries on the 503 (`curlWaiting`) without a word and prints the
 * server's reason once if it fails (`reasonOnFailure`).
 */
export function curlRedeem(program: "curl" | "curl.exe", request: CheckedSnippetRequest, quote: (text: string) => string): string {
  const { redeemUrl, approval } = request;
  const call = `-X POST -H @- ${quote(redeemUrl)}`;
  if (approval === undefined) return `${curlBase(program, redeemUrl, quote, false)} ${call}`;
  return `${curlBase(program, redeemUrl, quote, true)} ${curlWaiting(approval.waitSeconds)} ${reasonOnFailure(quote)} ${call}`;
}
