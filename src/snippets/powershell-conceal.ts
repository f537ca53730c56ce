// The command form for PowerShell (5.1 and 7) when the output is concealed. PowerShell has no awk
// and needs none: its pipeline hands over the command's output item by item as it comes, and its
// own string operations (ordinal IndexOf, no regular expression built from the value) replace
// the same forms of the value as the POSIX filter does (conceal-filter.ts), leftmost then longest.
//
// What differs from the POSIX shells, because PowerShell itself works that way (README):
// - Items, not bytes: a native command's output reaches the pipeline already decoded
//   ([Console]::OutputEncoding) and split into lines without their line breaks, as it does without
//   concealing; objects are formatted (Out-String) before they are filtered.
// - Every stream is filtered (`*>&1`): errors (a native command's stderr lines) go to stderr;
//   Write-Host, warnings, verbose and debug records are printed as text, the last three on stderr.
// - The status stays where PowerShell keeps it: `$LASTEXITCODE` of the native command, as in the
//   unconcealed form; an `exit` in the command still ends the PowerShell session.
import { CONCEAL_MASK, CONCEAL_MIN_CHARS } from "./conceal-filter";
import { REPORT_TIMEOUT_SECONDS } from "./curl-report";
import { concealedNotice, REPORT_FAILED_NOTICE, shortValueNotice } from "./notices";
import { redeemInto } from "./powershell-snippet";
import { powershellQuote } from "./quote";
import type { CheckedSnippetRequest } from "./snippet-request";

/**
 * The needles, longest first, in `$needles`. Characters are counted as code points (a surrogate
 * pair is one), as the POSIX filter counts them. `[Uri]::EscapeDataString` follows RFC 3986, which
 * also escapes `!*'()`: those five are put back to match encodeURIComponent (an escape `%XX` cannot
 * be part of another, so the replacements cannot meet a `%25`). The JSON form is built by hand:
 * Windows PowerShell's ConvertTo-Json escapes more than JSON.stringify does. The set is ordinal,
 * since base64 forms may differ only in case.
 */
function needles(name: string): string[] {
  const notice = powershellQuote(shortValueNotice(name, CONCEAL_MIN_CHARS));
  return [
    `    $chars = { param([string]$s) @($s.ToCharArray() | Where-Object { -not [char]::IsLowSurrogate($_) }).Count }`,
    `    $value = [Environment]::GetEnvironmentVariable('${name}')`,
    `    $set = New-Object 'Collections.Generic.HashSet[string]' ([StringComparer]::Ordinal)`,
    `    if ((& $chars $value) -lt ${CONCEAL_MIN_CHARS}) { [Console]::Error.WriteLine(${notice}) } else {`,
    `      $b64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($value)); $url = $b64.Replace('+', '-').Replace('/', '_')`,
    `      $pct = [Uri]::EscapeDataString($value).Replace('%21', '!').Replace('%2A', '*').Replace('%27', "'").Replace('%28', '(').Replace('%29', ')')`,
    `      $json = -join ($value.ToCharArray() | ForEach-Object { $c = [int]$_`,
    `        if ($c -eq 34) { '\\"' } elseif ($c -eq 92) { '\\\\' } elseif ($c -eq 8) { '\\b' } elseif ($c -eq 9) { '\\t' } elseif ($c -eq 10) { '\\n' } elseif ($c -eq 12) { '\\f' } elseif ($c -eq 13) { '\\r' } elseif ($c -lt 32) { '\\u{0:x4}' -f $c } else { [string]$_ } })`,
    `      $lines = @($value -split "\`n" | ForEach-Object { $_ -replace "\`r$", '' } | Where-Object { (& $chars $_) -ge ${CONCEAL_MIN_CHARS} })`,
    `      foreach ($form in @($value, $b64, $b64.TrimEnd('='), $url, $url.TrimEnd('='), $pct, $json) + $lines) { if ($form) { [void]$set.Add($form) } }`,
    `    }`,
    `    $needles = @($set | Sort-Object -Property Length -Descending)`,
  ];
}

/** `& $conceal $text`: the text with each occurrence replaced, leftmost then longest; counts in `$seen.count`. */
const CONCEAL_BLOCK = [
  `    $seen = @{ count = 0 }`,
  `    $conceal = { param([string]$text)`,
  `      $out = New-Object Text.StringBuilder; $at = 0`,
  `      while ($true) {`,
  `        $best = -1; $length = 0`,
  `        foreach ($n in $needles) { $i = $text.IndexOf($n, $at, [StringComparison]::Ordinal); if ($i -ge 0 -and ($best -lt 0 -or $i -lt $best)) { $best = $i; $length = $n.Length } }`,
  `        if ($best -lt 0) { break }`,
  `        [void]$out.Append($text, $at, $best - $at).Append(${powershellQuote(CONCEAL_MASK)}); $seen.count++; $at = $best + $length`,
  `      }`,
  `      [void]$out.Append($text, $at, $text.Length - $at); $out.ToString()`,
  `    }`,
];

/**
 * Runs the command in a child scope where `$token` is empty (it cannot read the ticket and file a
 * report of its own) with every stream merged, and sends each item, concealed, where it belongs.
 */
function run(command: string): string[] {
  return [
    `    & { $token = $null; Invoke-Expression ${powershellQuote(command)} } *>&1 | ForEach-Object {`,
    `      if ($_ -is [Management.Automation.ErrorRecord]) { [Console]::Error.WriteLine((& $conceal "$_"))`,
    `      } elseif ($_ -is [string]) { & $conceal $_`,
    `      } elseif ($_ -is [Management.Automation.InformationRecord]) { & $conceal "$($_.MessageData)"`,
    `      } elseif ($_ -is [Management.Automation.WarningRecord]) { [Console]::Error.WriteLine((& $conceal "WARNING: $($_.Message)"))`,
    `      } elseif ($_ -is [Management.Automation.VerboseRecord]) { [Console]::Error.WriteLine((& $conceal "VERBOSE: $($_.Message)"))`,
    `      } elseif ($_ -is [Management.Automation.DebugRecord]) { [Console]::Error.WriteLine((& $conceal "DEBUG: $($_.Message)"))`,
    `      } else { $_ | Out-String -Stream | ForEach-Object { & $conceal $_ } }`,
    `    }`,
  ];
}

/** The summary line and the report (2 s at most, one line on stderr if it fails), after the command. */
function summary(name: string, reportUrl: string | undefined): string[] {
  const report = reportUrl
    ? [
        `    try { $null = Invoke-WebRequest -Uri '${reportUrl}' -Method Post -Headers @{ Authorization = "Bearer $token" } -ContentType 'application/json' -Body "{\`"count\`":$($seen.count)}" -MaximumRedirection 0 -TimeoutSec ${REPORT_TIMEOUT_SECONDS} -UseBasicParsing -ErrorAction Stop } catch {`,
        `      [Console]::Error.WriteLine(${powershellQuote(REPORT_FAILED_NOTICE)})`,
        `    }`,
      ]
    : [];
  return [
    `  if ($seen.count -gt 0) {`,
    `    [Console]::Error.WriteLine("${concealedNotice(name, "$($seen.count)")}")`,
    ...report,
    `  }`,
  ];
}

export function renderPowershellConcealed(request: CheckedSnippetRequest, command: string): string {
  const name = request.variableName;
  return [
    "& {",
    ...redeemInto(name, request),
    `  try {`,
    ...needles(name),
    ...CONCEAL_BLOCK,
    ...run(command),
    `  } finally { Remove-Item Env:${name} -ErrorAction Ignore }`,
    ...summary(name, request.reportUrl),
    "}",
  ].join("\n");
}
