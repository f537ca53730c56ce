// Searches everything a run left behind (answers, logs, audit rows, shell output) for values that
// must never be there, as written and as JSON, URLs and forms would encode them. A finding names
// where and which value, never the value itself, so a failing test does not print a secret either.
import type { Needle } from "./seeded-values.ts";

export type Haystack = { source: string; text: string };
export type Leak = { source: string; needle: string };

function encodings(value: string): string[] {
  return [
    ...new Set([
      value,
      JSON.stringify(value).slice(1, -1),
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
    ]),
  ];
}

export function findLeaks(haystacks: readonly Haystack[], needles: readonly Needle[]): Leak[] {
  const searched = needles.filter((n) => n.value.length > 0).map((n) => ({ label: n.label, forms: encodings(n.value) }));
  return haystacks.flatMap(({ source, text }) =>
    searched.filter(({ forms }) => forms.some((form) => text.includes(form))).map(({ label }) => ({ source, needle: label })),
  );
}
