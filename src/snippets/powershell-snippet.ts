// Snippets for PowerShell (Windows PowerShell 5.1 and PowerShell 7), using Invoke-WebRequest.
import { REDEEM_TIMEOUT_SECONDS, waitingNotice } from "./curl-redeem";
import { powershellQuote } from "./quote";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/**
 * The redemption runs in a script block (`& { … }`) so the response object holding the value dies
 * with it; only the environment variable remains. The cmdlet runs in-process, so the ticket is in
 * no process's argv. The ticket sits in `$token` because PSReadLine (2.2+) keeps a line that assigns
 * a variable named like a token out of its history file. A redirect, any status but 200, a body
 * that is not text or is empty all fail: the variable is removed and the block throws, which makes
 * `powershell -Command` exit non-zero.
 */
function redeemInto(name: string, { ticket, redeemUrl, approval }: CheckedSnippetRequest): string[] {
  const failed = `claimcheck: redemption failed; ${name} is not set`;
  const call = `Invoke-WebRequest -Uri '${redeemUrl}' -Method Post -Headers @{ Authorization = "Bearer $token" } -MaximumRedirection 0 -TimeoutSec ${REDEEM_TIMEOUT_SECONDS} -UseBasicParsing -ErrorAction Stop`;
  // A waiting ticket answers 503 until someone decides: ask again every 2 s until the deadline.
  // Any other failure, or the deadline, ends the loop by rethrowing into the catch below.
  const fetch = approval
    ? [
        `    [Console]::Error.WriteLine(${powershellQuote(waitingNotice(approval.url))})`,
        `    $deadline = (Get-Date).AddSeconds(${approval.waitSeconds + REDEEM_TIMEOUT_SECONDS})`,
        `    while ($true) {`,
        `      try { $answer = ${call}; break }`,
        // The 503 is disposed before the next poll: Windows PowerShell allows two open connections per host.
        `      catch { $waiting = $_.Exception.Response; if ($null -eq $waiting -or [int]$waiting.StatusCode -ne 503 -or (Get-Date) -gt $deadline) { throw }; $waiting.Dispose(); Start-Sleep -Seconds 2 }`,
        `    }`,
      ]
    : [`    $answer = ${call}`];
  return [
    `  $token = '${ticket}'`,
    `  try {`,
    ...fetch,
    `    if ($answer.StatusCode -ne 200 -or $answer.Content -isnot [string] -or $answer.Content.Length -eq 0) { throw "unexpected answer $($answer.StatusCode)" }`,
    `    $env:${name} = $answer.Content`,
    `  } catch {`,
    `    Remove-Item Env:${name} -ErrorAction Ignore`,
    `    throw "${failed} ($($_.Exception.Message))"`,
    `  }`,
  ];
}

export function renderPowershellSnippet(request: CheckedSnippetRequest): Snippet {
  const name = request.variableName;
  const cleanup = `Remove-Item Env:${name} -ErrorAction Ignore`;
  // An environment variable is process-wide in PowerShell; `finally` removes it as soon as the
  // command ends, however it ends. The command is one quoted string for Invoke-Expression, so it
  // runs as written and the value reaches it only as $env:NAME, never as code.
  const run =
    request.command === undefined
      ? []
      : [`  try { Invoke-Expression ${powershellQuote(request.command)} } finally { ${cleanup} }`];
  const script = ["& {", ...redeemInto(name, request), ...run, "}"].join("\n");
  return { script, cleanup, variables: [name] };
}
