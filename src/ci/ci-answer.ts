// The three shapes of a CI redemption's answer, chosen by the Accept header:
//   application/json (default)  {"secrets":{"STRIPE_KEY":"…"}}
//   text/x-shellscript          export STRIPE_KEY='…'   (one line per variable, POSIX quoting)
//   text/x-dotenv               STRIPE_KEY='…'
// Names are already checked (`^[A-Za-z_][A-Za-z0-9_]*$`); values are quoted so no byte of a value
// can end its quote: what a shell or dotenv reader sets is the value, byte for byte.
import { ClaimcheckError } from "../errors";
import { posixQuote } from "../snippets/quote";

export type AnswerFormat = "json" | "shell" | "dotenv";

const CONTENT_TYPES: Record<AnswerFormat, string> = {
  json: "application/json",
  shell: "text/x-shellscript; charset=utf-8",
  dotenv: "text/x-dotenv; charset=utf-8",
};

/**
 * Dotenv readers disagree on escapes inside double quotes and on multi-line values, but all read
 * a single-quoted value literally. A value that needs more than that is refused, not guessed at.
 */
const DOTENV_LITERAL = /^[^'\\\r\n]*$/;

/** The first media range we serve, in the client's order; JSON when it names none of ours. */
export function answerFormat(accept: string | undefined): AnswerFormat {
  for (const range of (accept ?? "").split(",")) {
    const type = range.split(";")[0]!.trim().toLowerCase();
    if (type === "application/json") return "json";
    if (type === "text/x-shellscript") return "shell";
    if (type === "text/x-dotenv") return "dotenv";
  }
  return "json";
}

function dotenvLine(name: string, value: string): string {
  if (!DOTENV_LITERAL.test(value)) {
    throw new ClaimcheckError("VALUE_UNSUPPORTED", {
      message: "A value holds a quote, backslash or line break, which dotenv cannot carry exactly; ask for JSON or a shell script.",
      detail: `${name} not representable as dotenv`,
    });
  }
  return `${name}='${value}'\n`;
}

/** Renders the values; throws VALUE_UNSUPPORTED (before anything is sent) when the format cannot carry one. */
export function renderAnswer(format: AnswerFormat, values: Readonly<Record<string, string>>): { body: string; contentType: string } {
  const entries = Object.entries(values);
  const body =
    format === "json"
      ? JSON.stringify({ secrets: values })
      : entries.map(([name, value]) => (format === "shell" ? `export ${name}=${posixQuote(value)}\n` : dotenvLine(name, value))).join("");
  return { body, contentType: CONTENT_TYPES[format] };
}
