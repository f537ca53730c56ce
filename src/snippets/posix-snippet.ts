// Snippets for bash, zsh and sh (dash included). The three take the same POSIX code: nothing here
// needs a feature one of them lacks, so one renderer serves all and no twin can drift.
import { curlDeposit, curlProbe } from "./curl-deposit";
import { curlRedeem } from "./curl-redeem";
import type { CheckedDepositRequest, DepositSnippet, DepositSource } from "./deposit-request";
import {
  DEPOSIT_FAILED_NOTICE,
  redemptionFailedNotice,
  sourceEmptyNotice,
  sourceUnsetNotice,
  unreadableFileNotice,
  waitingNotice,
} from "./notices";
import { posixQuote } from "./quote";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/** A line on stderr. For our own fixed texts: `echo` would read backslashes in dash and zsh. */
export function toStderr(text: string): string {
  return `echo ${posixQuote(text)} >&2`;
}

/**
 * Sets NAME from curl's stdout and exports it, with a non-zero status on any failure.
 * `$(…)` strips trailing newlines, so an `x` is printed after the body and taken off again: the
 * value keeps every byte. `&& printf x` only runs when curl succeeded, and the assignment's status
 * is curl's, so a failed or cut-off transfer never reaches `export`. An empty value counts as a
 * failure, as it must in cmd and PowerShell, where an empty variable cannot exist.
 */
export function redeemInto(name: string, request: CheckedSnippetRequest, header = `'Authorization: Bearer ${request.ticket}'`): string {
  const notice = request.approval ? `${toStderr(waitingNotice(request.approval.url))};
  ` : "";
  return [
    `${notice}${name}=$(echo ${header} |`,
    `  ${curlRedeem("curl", request, posixQuote)} && printf x) &&`,
    `  ${name}=\${${name}%x} && [ -n "$${name}" ] && export ${name} ||`,
  ].join("\n");
}

// The leading space keeps the line out of history where HISTCONTROL=ignorespace (bash) or
// HIST_IGNORE_SPACE (zsh) is set.
export function renderPosixSnippet(request: CheckedSnippetRequest): Snippet {
  const name = request.variableName;
  const cleanup = `unset ${name}`;
  if (request.command === undefined) {
    const script = ` ${redeemInto(name, request)}\n  { unset ${name}; ${toStderr(redemptionFailedNotice(name))}; false; }`;
    return { script, cleanup, variables: [name], masked: false };
  }
  // The subshell holds the variable, so the calling shell never has it. The command is handed to
  // `eval` as one quoted string: the agent's code runs as written, cannot break the snippet's own
  // syntax, and the value only ever reaches it as "$NAME", expanded at run time, never as code.
  const script = ` (${redeemInto(name, request)}\n  { ${toStderr(redemptionFailedNotice(name))}; exit 1; }\n  eval ${posixQuote(request.command)})`;
  return { script, cleanup, variables: [name], masked: false };
}

/**
 * Checks the source before anything is sent, so a missing variable or file leaves the ticket
 * unused. `if` without a taken branch succeeds; a taken one prints which and fails. The path is
 * printed with `printf '%s'`, which, unlike `echo`, leaves its backslashes alone.
 */
function sourceCheck(source: DepositSource): string[] {
  switch (source.kind) {
    case "stdin":
      return [];
    case "env":
      return [
        `if [ -z "\${${source.name}+x}" ]; then ${toStderr(sourceUnsetNotice(source.name))}; false;` +
          ` elif [ -z "$${source.name}" ]; then ${toStderr(sourceEmptyNotice(source.name))}; false; fi &&`,
      ];
    case "file": {
      const path = posixQuote(source.path);
      return [`if [ ! -r ${path} ] || [ -d ${path} ]; then printf '%s\\n' ${posixQuote(unreadableFileNotice(source.path))} >&2; false; fi &&`];
    }
  }
}

/**
 * The deposit itself: the ticket line from the builtin `printf`, then the value's bytes from `cat`
 * (stdin, file) or the builtin `printf` (env), piped into curl. The file is opened by the shell
 * around the whole pipeline: if it cannot be opened, nothing runs and nothing is sent.
 */
function deposit(request: CheckedDepositRequest, ticketLine: string): string[] {
  const curl = curlDeposit("curl", request, posixQuote);
  switch (request.source.kind) {
    case "stdin":
      return [`{ ${ticketLine}; cat; } |`, `${curl} ||`];
    case "env":
      return [`{ ${ticketLine}; printf '%s' "$${request.source.name}"; } |`, `${curl} ||`];
    case "file":
      return [`{ { ${ticketLine}; cat; } |`, `${curl}; } < ${posixQuote(request.source.path)} ||`];
  }
}

/**
 * One brace group spanning every line, so `some-command | <script>` hands the pipe to the whole
 * snippet, and only `cat` in the deposit reads it (the probe reads the ticket line, not stdin).
 * Every step is joined with `&&`; the first failure falls through to the one failure notice.
 */
export function renderPosixDeposit(request: CheckedDepositRequest): DepositSnippet {
  const ticketLine = `printf '%s\\n' '${request.ticket}'`;
  const { approval } = request;
  const waiting = approval
    ? [`${toStderr(waitingNotice(approval.url))} &&`, `${ticketLine} |`, `${curlProbe("curl", { ...request, approval }, posixQuote)} &&`]
    : [];
  const lines = [
    ...sourceCheck(request.source),
    ...waiting,
    ...deposit(request, ticketLine),
    `{ ${toStderr(DEPOSIT_FAILED_NOTICE)}; false; }; }`,
  ];
  return { script: ` { ${lines.join("\n  ")}` };
}
