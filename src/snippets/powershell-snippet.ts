// Snippets for PowerShell (Windows PowerShell 5.1 and PowerShell 7), using Invoke-WebRequest.
import { REQUEST_TIMEOUT_SECONDS } from "./curl-options";
import { depositValue } from "./powershell-deposit-source";
import type { CheckedDepositRequest, DepositSnippet } from "./deposit-request";
import { DEPOSIT_FAILED_NOTICE, redemptionFailedNotice, waitingNotice } from "./notices";
import { powershellQuote } from "./quote";
import type { CheckedSnippetRequest, Snippet } from "./snippet-request";

/** Options every call shares: no redirect is followed, no call outlives the timeout. */
export const CALL_OPTIONS = `-MaximumRedirection 0 -TimeoutSec ${REQUEST_TIMEOUT_SECONDS} -UseBasicParsing -ErrorAction Stop`;

/**
 * `$target = <call>`, or with approval: print where to approve, then, while the server answers 503
 * (the ticket waits for someone's decision), ask again every 2 s until the deadline. Any other
 * failure, or the deadline, ends the loop by rethrowing into the caller's catch.
 */
function callOrWait(target: string, call: string, approval: CheckedSnippetRequest["approval"]): string[] {
  if (!approval) return [`    ${target} = ${call}`];
  return [
    `    [Console]::Error.WriteLine(${powershellQuote(waitingNotice(approval.url))})`,
    `    $deadline = (Get-Date).AddSeconds(${approval.waitSeconds + REQUEST_TIMEOUT_SECONDS})`,
    `    while ($true) {`,
    `      try { ${target} = ${call}; break }`,
    // The 503 is disposed before the next poll: Windows PowerShell allows two open connections per host.
    `      catch { $waiting = $_.Exception.Response; if ($null -eq $waiting -or [int]$waiting.StatusCode -ne 503 -or (Get-Date) -gt $deadline) { throw }; $waiting.Dispose(); Start-Sleep -Seconds 2 }`,
    `    }`,
  ];
}

/**
 * The redemption runs in a script block (`& { … }`) so the response object holding the value dies
 * with it; only the environment variable remains. The cmdlet runs in-process, so the ticket is in
 * no process's argv. The ticket sits in `$token` because PSReadLine (2.2+) keeps a line that assigns
 * a variable named like a token out of its history file. A redirect, any status but 200, a body
 * that is not text or is empty all fail: the variable is removed and the block throws, which makes
 * `powershell -Command` exit non-zero.
 */
export function redeemInto(name: string, request: CheckedSnippetRequest): string[] {
  const call = `Invoke-WebRequest -Uri '${request.redeemUrl}' -Method Post -Headers @{ Authorization = "Bearer $token" } ${CALL_OPTIONS}`;
  return [
    `  $token = '${request.ticket}'`,
    `  try {`,
    ...callOrWait("$answer", call, request.approval),
    `    if ($answer.StatusCode -ne 200 -or $answer.Content -isnot [string] -or $answer.Content.Length -eq 0) { throw "unexpected answer $($answer.StatusCode)" }`,
    `    $env:${name} = $answer.Content`,
    `  } catch {`,
    `    Remove-Item Env:${name} -ErrorAction Ignore`,
    `    throw "${redemptionFailedNotice(name)} ($($_.Exception.Message))"`,
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
  return { script, cleanup, variables: [name], masked: false };
}

/**
 * The server's reason for a refusal, from its `Claimcheck-Error` header (printable ASCII, no
 * value): Windows PowerShell's WebException carries an HttpWebResponse, PowerShell 7's an
 * HttpResponseMessage. Reading it must not throw inside the catch, or the failure line is lost;
 * without it the exception's own message ("(403) Forbidden") is the reason.
 */
const REASON_LINES = [
  `    $reason = $_.Exception.Message`,
  `    try {`,
  `      $refusal = $_.Exception.Response; $header = $null`,
  `      if ($refusal -is [Net.HttpWebResponse]) { $header = $refusal.Headers['Claimcheck-Error'] }`,
  `      elseif ($null -ne $refusal) { $values = $null; if ($refusal.Headers.TryGetValues('Claimcheck-Error', [ref]$values)) { $header = @($values)[0] } }`,
  `      if ($header) { $reason = $header }`,
  `    } catch { }`,
];

/**
 * Deposits in-process: the ticket and the value become one byte array (`<ticket>` 0x0A `<value>`)
 * sent as the body, so neither is in any argv, and no shell or encoding step sits between the
 * source's bytes and the request. A missing or unreadable source throws before anything is sent.
 * With approval, a probe (body `<ticket>` 0x0A, header `Claimcheck-Deposit: probe`) waits first;
 * it consumes nothing. The one line the server answers is written to the output on success; every
 * failure throws `claimcheck: deposit failed; nothing was stored (<reason>)`.
 */
export function renderPowershellDeposit(request: CheckedDepositRequest): DepositSnippet {
  const url = powershellQuote(request.depositUrl);
  const post = `Invoke-WebRequest -Uri ${url} -Method Post -ContentType 'application/octet-stream'`;
  const probe = `${post} -Headers @{ 'Claimcheck-Deposit' = 'probe' } -Body $ticketLine ${CALL_OPTIONS}`;
  const approved = request.approval
    ? [
        ...callOrWait("$probe", probe, request.approval),
        `    if ([int]$probe.StatusCode -lt 200 -or [int]$probe.StatusCode -gt 299) { throw "unexpected answer $($probe.StatusCode)" }`,
      ]
    : [];
  const lines = [
    "& {",
    `  $token = '${request.ticket}'`,
    `  try {`,
    ...depositValue(request.source),
    `    $ticketLine = [byte[]]([Text.Encoding]::ASCII.GetBytes($token) + [byte]10)`,
    ...approved,
    `    $answer = ${post} -Body ([byte[]]($ticketLine + $value)) ${CALL_OPTIONS}`,
    `    if ($answer.StatusCode -ne 200) { throw "unexpected answer $($answer.StatusCode)" }`,
    `  } catch {`,
    ...REASON_LINES,
    `    throw "${DEPOSIT_FAILED_NOTICE} ($reason)"`,
    `  }`,
    `  "$($answer.Content)".TrimEnd()`,
    "}",
  ];
  return { script: lines.join("\n") };
}
