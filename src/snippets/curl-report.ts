// The curl call that tells claimcheck a command printed the value (POSIX shells and fish): the
// count of concealed occurrences, nothing of the output.
import { curlBase } from "./curl-options";

/**
 * Seconds the report may take. It runs after the command, so it can only delay the snippet's end,
 * never the command; a report that does not arrive in time is given up (one line on stderr).
 */
export const REPORT_TIMEOUT_SECONDS = 2;

/**
 * `POST reportUrl`, authorised by the consumed ticket, which the caller pipes in as
 * `Authorization: Bearer <ticket>` (`-H @-`, never in argv, as for the redemption). `count` is
 * shell code that expands to a number; the body is `{"count":N}`. Quiet: the caller prints the
 * one failure line itself.
 */
export function curlReport(reportUrl: string, count: string, quote: (text: string) => string): string {
  const json = quote("Content-Type: application/json");
  return `${curlBase("curl", reportUrl, quote, true, REPORT_TIMEOUT_SECONDS)} -X POST -H @- -H ${json} --data-binary "{\\"count\\":${count}}" ${quote(reportUrl)}`;
}
