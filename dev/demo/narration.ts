// How the demo talks to its reader: numbered steps, indented explanations, quoted program output,
// and small tables. Plain text (no colours), so it reads the same in a terminal, a log or CI.

const INDENT = "   ";

export function step(number: number, title: string): void {
  console.log(`\n${number}. ${title}`);
}

export function say(...lines: string[]): void {
  for (const line of lines) console.log(`${INDENT}${line}`);
}

/** Output of another program, or what the model receives, set apart with a bar. */
export function quote(text: string): void {
  for (const line of text.replace(/\n+$/, "").split("\n")) console.log(`${INDENT}│ ${line}`);
}

/** Rows as aligned columns (values as text, missing ones as "-"). */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): void {
  const cell = (row: Record<string, unknown>, column: string) => String(row[column] ?? "-");
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells: string[]) => `${INDENT}${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd();
  console.log(line([...columns]));
  for (const row of rows) console.log(line(columns.map((c) => cell(row, c))));
}
