// Snippets for bash, zsh and sh (dash included). The three take the same POSIX code: nothing here
// needs a feature one of them lacks, so one renderer serves all and no twin can drift.
import { curlRedeem, waitingNotice } from "./curl-redeem";
import { posixQuote } from "./quote";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/**
 * Sets NAME from curl's stdout and exports it, with a non-zero status on any failure.
 * `$(…)` strips trailing newlines, so an `x` is printed after the body and taken off again: the
 * value keeps every byte. `&& printf x` only runs when curl succeeded, and the assignment's status
 * is curl's, so a failed or cut-off transfer never reaches `export`. An empty value counts as a
 * failure, as it must in cmd and PowerShell, where an empty variable cannot exist.
 */
function redeemInto(name: string, request: CheckedSnippetRequest): string {
  const notice = request.approval ? `echo ${posixQuote(waitingNotice(request.approval.url))} >&2;
  ` : "";
  return [
    `${notice}${name}=$(echo 'Authorization: Bearer ${request.ticket}' |`,
    `  ${curlRedeem("curl", request, posixQuote)} && printf x) &&`,
    `  ${name}=\${${name}%x} && [ -n "$${name}" ] && export ${name} ||`,
  ].join("\n");
}

function failureNotice(name: string): string {
  return `echo ${posixQuote(`claimcheck: redemption failed; ${name} is not set`)} >&2`;
}

// The leading space keeps the line out of history where HISTCONTROL=ignorespace (bash) or
// HIST_IGNORE_SPACE (zsh) is set.
export function renderPosixSnippet(request: CheckedSnippetRequest): Snippet {
  const name = request.variableName;
  const cleanup = `unset ${name}`;
  if (request.command === undefined) {
    const script = ` ${redeemInto(name, request)}\n  { unset ${name}; ${failureNotice(name)}; false; }`;
    return { script, cleanup, variables: [name] };
  }
  // The subshell holds the variable, so the calling shell never has it. The command is handed to
  // `eval` as one quoted string: the agent's code runs as written, cannot break the snippet's own
  // syntax, and the value only ever reaches it as "$NAME", expanded at run time, never as code.
  const script = ` (${redeemInto(name, request)}\n  { ${failureNotice(name)}; exit 1; }\n  eval ${posixQuote(request.command)})`;
  return { script, cleanup, variables: [name] };
}
