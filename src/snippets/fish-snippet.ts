// Snippets for fish (3.1 or later).
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
import { fishQuote } from "./quote";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/** A line on stderr; fish's `echo` leaves backslashes alone. */
export function toStderr(text: string): string {
  return `echo ${fishQuote(text)} >&2`;
}

/**
 * `read -z` takes curl's stdout up to end of input, keeping every byte, trailing newlines included
 * (a command substitution would split lines and trim them). Success is all three statuses 0: curl
 * answered 200 with a complete body, and `read` got a non-empty value (it returns 1 on empty input).
 */
export function redeemInto(scope: "-gx" | "-lx", request: CheckedSnippetRequest, header = `'Authorization: Bearer ${request.ticket}'`): string {
  const notice = request.approval ? `${toStderr(waitingNotice(request.approval.url))}; ` : "";
  return `${notice}echo ${header} | ${curlRedeem("curl", request, fishQuote)} | read ${scope}z ${request.variableName}`;
}

function failureNotice(name: string): string {
  return `${toStderr(redemptionFailedNotice(name))}; false`;
}

// fish keeps no history of a command that starts with a space.
export function renderFishSnippet(request: CheckedSnippetRequest): Snippet {
  const name = request.variableName;
  const cleanup = `set -e ${name}`;
  if (request.command === undefined) {
    const script = [
      ` ${redeemInto("-gx", request)}`,
      `if test "$pipestatus" != '0 0 0'; set -e ${name}; ${failureNotice(name)}; end`,
    ].join("\n");
    return { script, cleanup, variables: [name], masked: false };
  }
  // A `-lx` variable lives only inside the begin…end block and is exported to what runs there.
  // The command goes to `eval` as one quoted string, so the value reaches it as "$NAME" only.
  const script = [
    ` begin; ${redeemInto("-lx", request)}`,
    `  if test "$pipestatus" != '0 0 0'; ${failureNotice(name)}`,
    `  else; eval ${fishQuote(request.command)}; end`,
    `end`,
  ].join("\n");
  return { script, cleanup, variables: [name], masked: false };
}

/** Checks the source before anything is sent; `if` without a taken branch leaves status 0. */
function sourceCheck(source: DepositSource): string[] {
  switch (source.kind) {
    case "stdin":
      return [];
    case "env":
      return [
        `if not set -q ${source.name}; ${toStderr(sourceUnsetNotice(source.name))}; false` +
          `; else if test -z "$${source.name}"; ${toStderr(sourceEmptyNotice(source.name))}; false; end`,
      ];
    case "file": {
      const path = fishQuote(source.path);
      return [`if not test -r ${path}; or test -d ${path}; ${toStderr(unreadableFileNotice(source.path))}; false; end`];
    }
  }
}

/**
 * The ticket line and the value's bytes, from builtins and `cat`, piped into curl (see the POSIX
 * form). "$NAME" joins a list the way fish exported it (path variables with `:`), byte for byte.
 */
function deposit(request: CheckedDepositRequest, ticketLine: string): string {
  const curl = curlDeposit("curl", request, fishQuote);
  switch (request.source.kind) {
    case "stdin":
      return `begin; ${ticketLine}; cat; end | ${curl}`;
    case "env":
      return `begin; ${ticketLine}; printf '%s' "$${request.source.name}"; end | ${curl}`;
    case "file":
      return `begin; begin; ${ticketLine}; cat; end | ${curl}; end < ${fishQuote(request.source.path)}`;
  }
}

/**
 * One begin…end block, so `some-command | <script>` hands the pipe to the whole snippet. Each step
 * runs only if the one before succeeded (`and`); the first failure reaches the failure notice.
 */
export function renderFishDeposit(request: CheckedDepositRequest): DepositSnippet {
  const ticketLine = `printf '%s\\n' '${request.ticket}'`;
  const { approval } = request;
  const waiting = approval
    ? [toStderr(waitingNotice(approval.url)), `${ticketLine} | ${curlProbe("curl", { ...request, approval }, fishQuote)}`]
    : [];
  const steps = [...sourceCheck(request.source), ...waiting, deposit(request, ticketLine)];
  const lines = [
    ` begin`,
    ...steps.map((step, i) => `  ${i === 0 ? "" : "and "}${step}`),
    `  or begin; ${toStderr(DEPOSIT_FAILED_NOTICE)}; false; end`,
    `end`,
  ];
  return { script: lines.join("\n") };
}
