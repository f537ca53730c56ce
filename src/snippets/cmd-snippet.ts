// Snippets for cmd.exe, using the curl.exe that ships with Windows 10 (1803) and later.
//
// cmd cannot hold arbitrary bytes safely: it reads program output only line by line through
// `for /f`, which drops empty lines and lines starting with `;`, and it has no safe way to cut a
// string without re-parsing it as code. So the cmd snippet accepts single-line values only and
// fails closed on anything it can detect: an HTTP error, a cut-off transfer, or more than one
// line. What it cannot detect: a value whose extra lines are all empty or start with `;` arrives
// as its one remaining line, and trailing line breaks are dropped. Use PowerShell for exact bytes.
import { curlRedeem, waitingNotice } from "./curl-redeem";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/**
 * Double quotes around a curl argument. The arguments are ours: URL-safe characters, and curl's
 * write-out format, whose `%{onerror}%` cmd leaves as written on a command line (no variable
 * has that name), so it reaches curl intact.
 */
function cmdQuote(text: string): string {
  return `"${text}"`;
}

/** Set when `for /f` sees a second line: a multi-line value, or the failure marker below. */
const EXTRA_LINE_FLAG = "CLAIMCHECK_EXTRA_LINE";

/**
 * `for /f` cannot see curl's exit status, so a failed curl prints two marker lines (`||`): together
 * with whatever curl wrote they always make a second line, and a second line unsets the variable.
 * `%A` is expanded after cmd has parsed the line, so `&`, `|`, `"`, `%` and `!` in the value stay
 * literal (delayed expansion is off by default). The ticket reaches curl on stdin, but cmd runs
 * each side of a pipe in a child cmd.exe whose command line holds the `echo`: in cmd the ticket is
 * visible in that short-lived child's command line.
 */
function redeemInto(name: string, request: CheckedSnippetRequest): string {
  const curl = curlRedeem("curl.exe", request, cmdQuote);
  const producer = `echo Authorization: Bearer ${request.ticket}^| ${curl} ^|^| ^(echo failed^&echo failed^)`;
  // The approval URL holds only URL-safe characters (checked), none special to cmd's echo.
  const notice = request.approval ? [`(echo ${waitingNotice(request.approval.url)})>&2`] : [];
  return [
    ...notice,
    `set "${name}=" & set "${EXTRA_LINE_FLAG}=" & (for /f "delims=" %A in ('${producer}') do @if defined ${name} (set "${EXTRA_LINE_FLAG}=1") else set "${name}=%A")`,
    `if defined ${EXTRA_LINE_FLAG} (set "${name}=")`,
    `set "${EXTRA_LINE_FLAG}="`,
  ].join(" & ");
}

export function renderCmdSnippet(request: CheckedSnippetRequest): Snippet {
  const name = request.variableName;
  const cleanup = `set "${name}="`;
  const failed = `if not defined ${name} (echo claimcheck: redemption failed; ${name} is not set>&2 & cmd /c exit 1)`;
  // cmd expands %NAME% when it reads the whole line, before the redemption runs, so the command
  // cannot splice the value into code by writing %NAME%: the program it starts reads it from its
  // environment. An unbracketed `else` takes the rest of the line, so the command may hold `&` or
  // `|`, and the cleanup after it runs only where the variable was set.
  const script =
    request.command === undefined
      ? `${redeemInto(name, request)} & ${failed}`
      : `${redeemInto(name, request)} & ${failed} else ${request.command} & ${cleanup}`;
  return { script, cleanup, variables: [name] };
}
