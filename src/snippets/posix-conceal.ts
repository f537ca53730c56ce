// The command form for bash, zsh and sh (dash included) when the output is concealed: the command
// runs with the value in its environment, and its stdout and stderr each pass through a copy of
// the awk filter (conceal-filter.ts) on their way out. POSIX only: no PIPESTATUS, no process
// substitution, so dash runs exactly what bash and zsh run.
import { CONCEAL_AWK, CONCEAL_END_OF_STREAM, CONCEAL_MIN_CHARS } from "./conceal-filter";
import { curlReport } from "./curl-report";
import {
  CONCEAL_TOOLS_MISSING_NOTICE,
  concealedNotice,
  FILTER_FAILED_NOTICE,
  redemptionFailedNotice,
  REPORT_FAILED_NOTICE,
  shortValueNotice,
} from "./notices";
import { redeemInto, toStderr } from "./posix-snippet";
import { posixQuote } from "./quote";
import type { CheckedSnippetRequest } from "./snippet-request";

/**
 * The snippet's own variables (`cc_` + a letter): the ticket (kept for the report), the temporary
 * directory, the filter program, mawk's streaming flag, the status and the count. The command
 * runs with them unset, so it cannot read the ticket and file a report of its own.
 */
const OWN = "cc_t cc_d cc_f cc_w";

/**
 * mawk, Debian's default awk, reads a pipe until its buffer is full unless it runs in its
 * interactive mode: without `-Winteractive` nothing would stream. Every other awk streams as it
 * is, and `-vx=0` (a harmless assignment) keeps the argument list the same shape for them.
 */
const AWK_MODE = `cc_w=-vx=0; case $(awk -W version </dev/null 2>&1) in *mawk*) cc_w=-Winteractive;; esac`;

/** One copy of the filter: `-v e=…` (the short-value notice) only on the stderr copy. */
function filter(name: string, copy: "o" | "e"): string {
  const notice = copy === "e" ? ` -v e=${posixQuote(shortValueNotice(name, CONCEAL_MIN_CHARS))}` : "";
  return `LC_ALL=C awk "$cc_w" -v n=${name}${notice} -v o="$cc_d/${copy}" "$cc_f"`;
}

/**
 * The pipeline. The command's stderr goes to one filter (whose output goes back to stderr), its
 * stdout through fd 3 to the other; each stream keeps its own order. stdout is moved with `exec`
 * inside the group rather than `1>&3` on it: zsh (MULTIOS) would copy a pipe's side that is also
 * redirected to both places. The command runs in its own
 * subshell, so its `exit` ends only that, and its status is written to a file (dash has no
 * PIPESTATUS); then each stream gets the end-of-stream marker. The filters never see the value in
 * argv: they read it from the environment the command shares.
 */
function run(name: string, command: string): string[] {
  const end = `'${CONCEAL_END_OF_STREAM}'`;
  return [
    `{ { exec 1>&3 3>&-; (unset ${OWN}; eval ${posixQuote(command)}); echo $? >"$cc_d/s"; printf ${end}; printf ${end} >&2; } 2>&1 |`,
    `    ${filter(name, "e")} >&2 3>&-; } 3>&1 |`,
    `    ${filter(name, "o")}`,
  ];
}

/**
 * After the command: its status (1 if it was never written), the two counts added up, a filter
 * without a count treated as a failure (never turning a failed command into a success), then the
 * summary line and the report when something was concealed.
 */
function summary(name: string, reportUrl: string | undefined): string[] {
  const report = reportUrl
    ? [`    echo "Authorization: Bearer $cc_t" | ${curlReport(reportUrl, "$cc_n", posixQuote)} >/dev/null 2>&1 ||`, `    ${toStderr(REPORT_FAILED_NOTICE)}`]
    : [];
  return [
    `cc_s=1 cc_n=0; { read cc_s <"$cc_d/s"; } 2>/dev/null`,
    `for cc_x in o e; do { read cc_y <"$cc_d/$cc_x"; } 2>/dev/null && cc_n=$((cc_n + cc_y)) ||`,
    `  { ${toStderr(FILTER_FAILED_NOTICE)}; [ "$cc_s" != 0 ] || cc_s=1; }; done`,
    `[ "$cc_n" -eq 0 ] || { echo "${concealedNotice(name, "$cc_n")}" >&2`,
    ...report,
    `  }`,
    `exit "$cc_s")`,
  ];
}

/**
 * ` ( … )`: a subshell, so the calling shell has neither the value nor the snippet's variables.
 * awk and mktemp are checked before the ticket is used; the temporary directory (mode 700, for
 * the status and the counts) is removed however the subshell ends.
 */
export function renderPosixConcealed(request: CheckedSnippetRequest, command: string): string {
  const name = request.variableName;
  const lines = [
    ` (cc_t='${request.ticket}'`,
    `command -v awk >/dev/null && cc_d=$(mktemp -d) || { ${toStderr(CONCEAL_TOOLS_MISSING_NOTICE)}; exit 1; }`,
    `trap 'rm -rf "$cc_d"' EXIT`,
    AWK_MODE,
    redeemInto(name, request, `"Authorization: Bearer $cc_t"`),
    `  { ${toStderr(redemptionFailedNotice(name))}; exit 1; }`,
    `cc_f=${posixQuote(CONCEAL_AWK)}`,
    ...run(name, command),
    ...summary(name, request.reportUrl),
  ];
  return lines.join("\n  ");
}
