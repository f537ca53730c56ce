// Quoting for the one free-text field a snippet holds: the agent's own command line, which the
// snippet hands to the shell's `eval` as a single literal string. Single quotes everywhere, because
// inside them no shell expands anything; each function closes the one door its shell leaves open.

/** POSIX sh, bash, zsh: nothing is special inside '…', so a quote is closed, escaped and reopened. */
export function posixQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** fish: inside '…' only a backslash and a single quote are special, and both take a backslash. */
export function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, "\\$&")}'`;
}

/**
 * PowerShell: inside '…' a quote is written twice. PowerShell also takes the typographic quotes
 * ‘ ’ ‚ ‛ as single quotes, so those are doubled too, or one of them would end the string.
 */
export function powershellQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201A\u201B]/g, "$&$&")}'`;
}
