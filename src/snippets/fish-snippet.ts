// Snippets for fish (3.1 or later).
import { curlRedeem, waitingNotice } from "./curl-redeem";
import { fishQuote } from "./quote";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/**
 * `read -z` takes curl's stdout up to end of input, keeping every byte, trailing newlines included
 * (a command substitution would split lines and trim them). Success is all three statuses 0: curl
 * answered 200 with a complete body, and `read` got a non-empty value (it returns 1 on empty input).
 */
function redeemInto(scope: "-gx" | "-lx", request: CheckedSnippetRequest): string {
  const notice = request.approval ? `echo ${fishQuote(waitingNotice(request.approval.url))} >&2; ` : "";
  return `${notice}echo 'Authorization: Bearer ${request.ticket}' | ${curlRedeem("curl", request, fishQuote)} | read ${scope}z ${request.variableName}`;
}

function failureNotice(name: string): string {
  return `echo ${fishQuote(`claimcheck: redemption failed; ${name} is not set`)} >&2; false`;
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
    return { script, cleanup, variables: [name] };
  }
  // A `-lx` variable lives only inside the begin…end block and is exported to what runs there.
  // The command goes to `eval` as one quoted string, so the value reaches it as "$NAME" only.
  const script = [
    ` begin; ${redeemInto("-lx", request)}`,
    `  if test "$pipestatus" != '0 0 0'; ${failureNotice(name)}`,
    `  else; eval ${fishQuote(request.command)}; end`,
    `end`,
  ].join("\n");
  return { script, cleanup, variables: [name] };
}
