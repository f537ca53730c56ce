// Snippets for cmd.exe, using the curl.exe that ships with Windows 10 (1803) and later.
//
// cmd cannot hold arbitrary bytes safely: it reads program output only line by line through
// `for /f`, which drops empty lines and lines starting with `;`, and it has no safe way to cut a
// string without re-parsing it as code. So the cmd snippet accepts single-line values only and
// fails closed on anything it can detect: an HTTP error, a cut-off transfer, or more than one
// line. What it cannot detect: a value whose extra lines are all empty or start with `;` arrives
// as its one remaining line, and trailing line breaks are dropped. Use PowerShell for exact bytes.
// The deposit form reads no output: curl (8.3+) builds the body itself, so cmd never parses the
// value; it has no stdin form (README, "Deposit snippets").
import { ClaimcheckError } from "../errors";
import { curlDeposit, curlProbe } from "./curl-deposit";
import { curlRedeem } from "./curl-redeem";
import type { CheckedDepositRequest, DepositSnippet, DepositSource } from "./deposit-request";
import { DEPOSIT_FAILED_NOTICE, redemptionFailedNotice, sourceUnsetNotice, unreadableFileNotice, waitingNotice } from "./notices";
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
  const failed = `if not defined ${name} (echo ${redemptionFailedNotice(name)}>&2 & cmd /c exit 1)`;
  // cmd expands %NAME% when it reads the whole line, before the redemption runs, so the command
  // cannot splice the value into code by writing %NAME%: the program it starts reads it from its
  // environment. An unbracketed `else` takes the rest of the line, so the command may hold `&` or
  // `|`, and the cleanup after it runs only where the variable was set.
  const script =
    request.command === undefined
      ? `${redeemInto(name, request)} & ${failed}`
      : `${redeemInto(name, request)} & ${failed} else ${request.command} & ${cleanup}`;
  return { script, cleanup, variables: [name], masked: false };
}

// The deposit form's own names: deposit-request.ts refuses a source variable named CLAIMCHECK_DEPOSIT_*.
/** Environment variable holding the ticket while curl runs: set just before, removed right after. */
const TICKET_VARIABLE = "CLAIMCHECK_DEPOSIT_TICKET";
/** Set only when the deposit succeeded; the last step turns its absence into the failure. */
const STORED_FLAG = "CLAIMCHECK_DEPOSIT_STORED";
/** curl variable holding one line feed, from a config line on curl's stdin. */
const NEWLINE_VARIABLE = "CLAIMCHECK_DEPOSIT_NL";
/** curl variable holding the file's bytes. */
const FILE_VARIABLE = "CLAIMCHECK_DEPOSIT_VALUE";

type CmdSource = Exclude<DepositSource, { kind: "stdin" }>;

/**
 * The config line curl reads from stdin (`-K -`): cmd cannot write a lone line feed, so curl turns
 * the quoted `\n` into one. cmd ends the line with CRLF (and a piped block adds a space), which
 * curl's config parser takes as white space. The line holds no secret.
 */
const NEWLINE_CONFIG = `(echo variable = "${NEWLINE_VARIABLE}=\\n")`;

/** Where curl takes the value from: the environment, or the file, read in binary mode. */
function valueVariable(source: CmdSource): { option: string; expansion: string } {
  return source.kind === "env"
    ? { option: `--variable %${source.name}`, expansion: `{{${source.name}}}` }
    : { option: `--variable ${cmdQuote(`${FILE_VARIABLE}@${source.path}`)}`, expansion: `{{${FILE_VARIABLE}}}` };
}

/**
 * The body, built by curl itself (8.3+ variables) so that cmd never parses the value: the ticket
 * from the environment (`--variable %NAME`), not from an `echo` in a pipe, because cmd runs each
 * side of a pipe in a child cmd.exe whose command line anyone listing processes sees; then the
 * line feed; then (except for the probe) the value. `%NAME` is safe on a command line: cmd only
 * expands a defined name between two `%`, and the text between ours never is one. curl refuses to
 * expand a value holding NUL, before its request.
 */
function curlBody(source: CmdSource, withValue: boolean): string {
  const value = withValue ? valueVariable(source) : undefined;
  const options = [`-K -`, `--variable %${TICKET_VARIABLE}`, ...(value ? [value.option] : [])];
  const body = `{{${TICKET_VARIABLE}}}{{${NEWLINE_VARIABLE}}}${value?.expansion ?? ""}`;
  return `${options.join(" ")} --expand-data-binary ${cmdQuote(body)}`;
}

/**
 * Checked before anything is sent. `if defined` is true only for a non-empty variable (Windows has
 * no empty ones). `if exist` is true for a directory too: curl then fails to open it, also before
 * its request. The path is echoed inside quotes, where `&|<>^()` are plain characters.
 */
function sourceCheck(source: CmdSource): { test: string; notice: string } {
  return source.kind === "env"
    ? { test: `defined ${source.name}`, notice: sourceUnsetNotice(source.name) }
    : { test: `exist ${cmdQuote(source.path)}`, notice: unreadableFileNotice(cmdQuote(source.path)) };
}

/**
 * One line. With approval, the probe (body `<ticket>\n`) waits first and the deposit runs only if
 * it succeeded (`&&`). The ticket variable is removed whatever happened, and the line ends with
 * errorlevel 1 and the failure notice unless curl stored the value. `(echo …)>&2` keeps a text
 * ending in a digit from being read as a `1>&2` redirection. cmd has no stdin form: README.
 */
export function renderCmdDeposit(request: CheckedDepositRequest): DepositSnippet {
  const { source, approval } = request;
  if (source.kind === "stdin") throw new ClaimcheckError("BAD_REQUEST", { message: "source stdin is not supported for cmd" });
  const check = sourceCheck(source);
  const deposit = `${NEWLINE_CONFIG}| ${curlDeposit("curl.exe", request, cmdQuote, curlBody(source, true))}`;
  const steps = approval
    ? `(echo ${waitingNotice(approval.url)})>&2 & ${NEWLINE_CONFIG}| ${curlProbe("curl.exe", { ...request, approval }, cmdQuote, curlBody(source, false))} && ${deposit}`
    : deposit;
  const script = [
    `set "${STORED_FLAG}="`,
    `if ${check.test} (set "${TICKET_VARIABLE}=${request.ticket}" & (${steps} && set "${STORED_FLAG}=1") & set "${TICKET_VARIABLE}=") else ((echo ${check.notice})>&2)`,
    `if defined ${STORED_FLAG} (set "${STORED_FLAG}=") else ((echo ${DEPOSIT_FAILED_NOTICE})>&2 & cmd /c exit 1)`,
  ].join(" & ");
  return { script };
}
