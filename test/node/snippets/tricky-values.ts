// Values that break naive quoting or lose bytes on the way through a shell: every snippet must
// carry each of them byte for byte, whichever way it goes (redeemed into a variable, deposited
// from stdin, a variable or a file).
export const TRICKY_VALUES = [
  "plain-value",
  "with spaces  and\ttabs",
  `single ' and double " quotes`,
  "dollar $HOME ${HOME} $(id) $((1+1))",
  "backticks `id` and (id) for fish",
  "backslashes \\ \\n \\\\ \\' end\\",
  "line one\nline two",
  "trailing newline\n",
  "two trailing newlines\n\n",
  "\nleading newline",
  "carriage\r\nreturn\r",
  "percent %PATH% %s %n 100%",
  "unicode é ü ß 日本語 😀 \u200b",
  "-leading-dash",
  "--help",
  "ends with x",
  "ends with 200",
  "glob * ? [a-z] ~ {a,b}",
  "semicolon; && || | > < &",
  "!history !! ^caret",
  "#comment",
  "x",
];
