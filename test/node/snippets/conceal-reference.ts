// What the concealing filter must print, computed the plain way: the whole output at once, in
// JavaScript, as bytes. The awk and PowerShell filters are checked against it byte for byte.
import { CONCEAL_MASK, CONCEAL_MIN_CHARS } from "../../../src/snippets/conceal-filter.ts";

/** Characters as the filter counts them: code points of the UTF-8 text. */
function characters(text: string): number {
  return [...text].length;
}

/** Bytes as a string of the same length (one char per byte), so string search is byte search. */
function bytes(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** Every form of `value` the filter looks for, as byte strings, longest first. */
export function needlesOf(value: string): string[] {
  if (characters(value) < CONCEAL_MIN_CHARS) return [];
  const base64 = Buffer.from(value, "utf8").toString("base64");
  const base64url = base64.replaceAll("+", "-").replaceAll("/", "_");
  const lines = value.includes("\n")
    ? value
        .split("\n")
        .map((line) => line.replace(/\r$/, ""))
        .filter((line) => characters(line) >= CONCEAL_MIN_CHARS)
    : [];
  const forms = [
    value,
    base64,
    base64.replace(/=+$/, ""),
    base64url,
    base64url.replace(/=+$/, ""),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
    ...lines,
  ].map(bytes);
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** The output with every occurrence replaced: leftmost first, longest at a tie. */
export function concealReference(output: Buffer, value: string): { text: Buffer; count: number } {
  const needles = needlesOf(value);
  const text = output.toString("latin1");
  let result = "";
  let count = 0;
  let at = 0;
  for (;;) {
    let best = -1;
    let length = 0;
    for (const needle of needles) {
      const found = text.indexOf(needle, at);
      if (found !== -1 && (best === -1 || found < best)) {
        best = found;
        length = needle.length;
      }
    }
    if (best === -1) break;
    result += text.slice(at, best) + CONCEAL_MASK;
    count += 1;
    at = best + length;
  }
  result += text.slice(at);
  return { text: Buffer.from(result, "latin1"), count };
}
