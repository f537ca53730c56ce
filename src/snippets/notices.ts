// The lines a snippet prints for a person to read, the same in every shell. Each renderer writes
// them to stderr its own way; none of them holds a ticket or a value.

/** Printed before a snippet starts to wait for a person's decision. */
export function waitingNotice(approvalUrl: string): string {
  return `claimcheck: waiting for approval: ${approvalUrl}`;
}

/** The last line of a failed redemption. */
export function redemptionFailedNotice(variableName: string): string {
  return `claimcheck: redemption failed; ${variableName} is not set`;
}

/** The last line of a failed deposit, whatever failed: the server stored nothing. */
export const DEPOSIT_FAILED_NOTICE = "claimcheck: deposit failed; nothing was stored";

/** The deposit's source variable is missing: nothing was sent, so the ticket is still good. */
export function sourceUnsetNotice(variableName: string): string {
  return `claimcheck: ${variableName} is not set`;
}

/** The deposit's source variable is empty, which the server would refuse. */
export function sourceEmptyNotice(variableName: string): string {
  return `claimcheck: ${variableName} is empty`;
}

/** The deposit's source file is missing, unreadable or a directory: nothing was sent. */
export function unreadableFileNotice(path: string): string {
  return `claimcheck: cannot read ${path}`;
}

/** The command form conceals nothing for a value this short (conceal-filter.ts says why). */
export function shortValueNotice(variableName: string, minChars: number): string {
  return `claimcheck: ${variableName} is shorter than ${minChars} characters; the output is not concealed`;
}

/** After the command, when its output held the value: `count` is shell code that expands to the number. */
export function concealedNotice(variableName: string, count: string): string {
  return `claimcheck: concealed ${count} occurrence(s) of ${variableName} in the command's output`;
}

/** The report of a concealment did not reach claimcheck (it never fails or delays the command). */
export const REPORT_FAILED_NOTICE = "claimcheck: could not report the concealed output to claimcheck";

/** A filter ended without its count: some output may be missing, so success is not claimed. */
export const FILTER_FAILED_NOTICE = "claimcheck: the output filter failed; the output may be incomplete";

/** The tools the POSIX and fish filters need are missing: checked before the ticket is used. */
export const CONCEAL_TOOLS_MISSING_NOTICE = "claimcheck: awk and mktemp are needed to conceal the output; the ticket was not used";

const PREFIX = "claimcheck: ";

/** A notice without its `claimcheck: ` prefix, for a message that already starts with one. */
export function withoutPrefix(notice: string): string {
  return notice.startsWith(PREFIX) ? notice.slice(PREFIX.length) : notice;
}
