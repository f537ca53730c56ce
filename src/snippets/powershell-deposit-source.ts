// Where PowerShell's deposit snippet takes the value's bytes from. Each form leaves `$value`
// (byte[]) or throws before anything is sent, so the ticket stays unused.
import type { DepositSource } from "./deposit-request";
import { sourceEmptyNotice, sourceUnsetNotice, unreadableFileNotice, withoutPrefix } from "./notices";
import { powershellQuote } from "./quote";

/** A refusal the snippet's catch turns into `claimcheck: deposit failed; nothing was stored (…)`. */
function refuse(notice: string): string {
  return `throw ${powershellQuote(withoutPrefix(notice))}`;
}

/**
 * stdin. Inside PowerShell, `some-command | & { … }` feeds the block through PowerShell's own
 * pipeline, not the process's stdin: a native command's output arrives decoded and split into
 * lines, with the line breaks gone. One string is taken as is (UTF-8, as the server wants); several
 * lines or other objects are refused, because how they were separated cannot be known. Only when
 * nothing is piped within PowerShell and the process's own stdin is redirected
 * (`… | pwsh -File deposit.ps1`) are the raw bytes read, from [Console]::OpenStandardInput().
 * Nothing piped at all is refused rather than waiting for a console that no one types into.
 */
const STDIN = [
  `    if ($MyInvocation.ExpectingInput) {`,
  `      $piped = @($input)`,
  `      if ($piped.Count -ne 1 -or $piped[0] -isnot [string]) { ${refuse("claimcheck: PowerShell piped several lines or objects, whose line breaks are lost; pipe one string (Get-Content -Raw) or use a file")} }`,
  `      $value = [Text.Encoding]::UTF8.GetBytes($piped[0])`,
  `    } elseif ([Console]::IsInputRedirected) {`,
  `      $buffer = New-Object IO.MemoryStream`,
  `      [Console]::OpenStandardInput().CopyTo($buffer)`,
  `      $value = $buffer.ToArray()`,
  `    } else { ${refuse("claimcheck: nothing is piped in")} }`,
];

/** Refused before anything is sent: the server would refuse an empty value. */
const NOT_EMPTY = `    if ($value.Length -eq 0) { ${refuse("claimcheck: the value is empty")} }`;

export function depositValue(source: DepositSource): string[] {
  switch (source.kind) {
    case "stdin":
      return [...STDIN, NOT_EMPTY];
    case "env":
      // The process environment only ($env:), as UTF-16 text: sent as UTF-8.
      return [
        `    $text = [Environment]::GetEnvironmentVariable('${source.name}')`,
        `    if ($null -eq $text) { ${refuse(sourceUnsetNotice(source.name))} }`,
        `    if ($text.Length -eq 0) { ${refuse(sourceEmptyNotice(source.name))} }`,
        `    $value = [Text.Encoding]::UTF8.GetBytes($text)`,
      ];
    case "file":
      // .NET resolves a relative path against the process's directory, which Set-Location does
      // not change: it is joined to PowerShell's own current directory first. Combine only joins
      // strings, so nothing in the path (~, wildcards, $) is expanded.
      return [
        `    $path = [IO.Path]::Combine((Get-Location -PSProvider FileSystem).ProviderPath, ${powershellQuote(source.path)})`,
        `    if (-not [IO.File]::Exists($path)) { throw "${withoutPrefix(unreadableFileNotice("$path"))}" }`,
        `    $value = [IO.File]::ReadAllBytes($path)`,
        NOT_EMPTY,
      ];
  }
}
