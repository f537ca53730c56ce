// The command form for fish (3.1 or later) when the output is concealed: the same awk filter as
// the POSIX shells (conceal-filter.ts), one copy on stdout and one on stderr (`2>|`).
import { CONCEAL_AWK, CONCEAL_END_OF_STREAM, CONCEAL_MIN_CHARS } from "./conceal-filter";
import { curlReport } from "./curl-report";
import { redeemInto, toStderr } from "./fish-snippet";
import {
  CONCEAL_TOOLS_MISSING_NOTICE,
  concealedNotice,
  FILTER_FAILED_NOTICE,
  redemptionFailedNotice,
  REPORT_FAILED_NOTICE,
  shortValueNotice,
} from "./notices";
import { fishQuote } from "./quote";
import type { CheckedSnippetRequest } from "./snippet-request";

/** One copy of the filter; mawk's `-Winteractive` as in posix-conceal.ts. */
function filter(name: string, copy: "o" | "e"): string {
  const notice = copy === "e" ? ` -v e=${fishQuote(shortValueNotice(name, CONCEAL_MIN_CHARS))}` : "";
  return `LC_ALL=C awk $cc_w -v n=${name}${notice} -v o=$cc_d/${copy} $cc_f`;
}

/**
 * fish's `eval` holds back everything the code prints until it ends when its output is piped, so
 * the command is written to a file in the snippet's directory and `source`d: its output streams,
 * and an `exit` in it ends only the sourced file (unlike `eval`, where it ends the calling fish).
 * Inside, `cc_t` is shadowed by an empty local, so the command cannot read the ticket. `2>|` sends
 * the block's stderr through one filter (back to stderr), its stdout through the other.
 */
function run(name: string, command: string): string[] {
  const end = `'${CONCEAL_END_OF_STREAM}'`;
  return [
    `printf '%s\\n' ${fishQuote(command)} >$cc_d/c`,
    `begin; begin; set -l cc_t; source $cc_d/c; echo $status >$cc_d/s; printf ${end}; printf ${end} >&2`,
    `      end 2>| ${filter(name, "e")} >&2`,
    `    end | ${filter(name, "o")}`,
  ];
}

/** The status and counts, as in the POSIX form; a `begin` block has no `exit`, so `sh` returns the status. */
function summary(name: string, reportUrl: string | undefined): string[] {
  const report = reportUrl
    ? [`      echo "Authorization: Bearer $cc_t" | ${curlReport(reportUrl, "$cc_n", fishQuote)} >/dev/null 2>&1`, `      or ${toStderr(REPORT_FAILED_NOTICE)}`]
    : [];
  return [
    `set -l cc_s 1; set -l cc_n 0; test -f $cc_d/s; and read cc_s <$cc_d/s`,
    `for cc_x in o e`,
    `      if test -f $cc_d/$cc_x; and read -l cc_y <$cc_d/$cc_x; set cc_n (math $cc_n + $cc_y)`,
    `      else; ${toStderr(FILTER_FAILED_NOTICE)}; test "$cc_s" = 0; and set cc_s 1; end`,
    `    end`,
    `    if test $cc_n -gt 0; echo "${concealedNotice(name, "$cc_n")}" >&2`,
    ...report,
    `    end`,
    `    rm -rf $cc_d; sh -c 'exit "$1"' sh $cc_s`,
  ];
}

/**
 * One `begin … end` block holding the ticket, the directory and the filter in block-local
 * variables. awk and mktemp are checked before the ticket is used; every path removes the directory.
 */
export function renderFishConcealed(request: CheckedSnippetRequest, command: string): string {
  const name = request.variableName;
  return [
    ` begin; set -l cc_t '${request.ticket}'; set -l cc_w -vx=0; set -l cc_d (mktemp -d)`,
    `  if not command -q awk; or test -z "$cc_d"; ${toStderr(CONCEAL_TOOLS_MISSING_NOTICE)}; false`,
    `  else; awk -W version </dev/null 2>&1 | string match -q '*mawk*'; and set cc_w -Winteractive`,
    `    ${redeemInto("-lx", request, `"Authorization: Bearer $cc_t"`)}`,
    `    if test "$pipestatus" != '0 0 0'; ${toStderr(redemptionFailedNotice(name))}; rm -rf $cc_d; false`,
    `    else; set -l cc_f ${fishQuote(CONCEAL_AWK)}`,
    ...[...run(name, command), ...summary(name, request.reportUrl)].map((line) => `    ${line}`),
    `    end`,
    `  end`,
    `end`,
  ].join("\n");
}
