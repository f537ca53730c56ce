// The curl calls that the curl-based snippets (POSIX shells, fish, cmd) make to deposit a value.
import { curlBase, curlWaiting, reasonOnFailure } from "./curl-options";
import type { CheckedDepositRequest } from "./deposit-request";

/** The header that makes a request a probe: it asks whether the ticket is approved, consuming nothing. */
export const PROBE_HEADER = "Claimcheck-Deposit: probe";

const OCTET_STREAM = "Content-Type: application/octet-stream";

/**
 * Where the body comes from. Default: stdin, which the snippet fills with the ticket, a line break
 * and the value from builtins (`printf`) and `cat`, so neither the ticket nor the value is in any
 * argv. `--data-binary @-` reads stdin to its end before it connects and sends it untouched.
 */
const BODY_FROM_STDIN = "--data-binary @-";

/**
 * `POST depositUrl` with the body `<ticket>\n<value>`. 200 prints the server's one line
 * (`claimcheck: stored <path> <field>`) on stdout; any failure exits non-zero, with the server's
 * reason on stderr instead of curl's own error line.
 */
export function curlDeposit(
  program: "curl" | "curl.exe",
  { depositUrl }: CheckedDepositRequest,
  quote: (text: string) => string,
  body = BODY_FROM_STDIN,
): string {
  return `${curlBase(program, depositUrl, quote, true)} ${reasonOnFailure(quote)} -H ${quote(OCTET_STREAM)} ${body} ${quote(depositUrl)}`;
}

/**
 * The probe sent before the value when a person must approve: body `<ticket>\n` only. The server
 * answers 503 + Retry-After while the ticket waits (curl waits and asks again), 204 once approved,
 * 403 if denied or expired. It never uses the ticket up, and it does not read the snippet's stdin.
 */
export function curlProbe(
  program: "curl" | "curl.exe",
  { depositUrl, approval }: CheckedDepositRequest & { approval: { waitSeconds: number } },
  quote: (text: string) => string,
  body = BODY_FROM_STDIN,
): string {
  return `${curlBase(program, depositUrl, quote, true)} ${curlWaiting(approval.waitSeconds)} ${reasonOnFailure(quote)} -H ${quote(OCTET_STREAM)} -H ${quote(PROBE_HEADER)} ${body} ${quote(depositUrl)}`;
}
