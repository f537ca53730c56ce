// bench/RESULTS.md: one section per bench script, each replaced by that script's latest run, so
// running one bench keeps the others' figures. Sections are delimited by HTML comments.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { machineLine, type Machine } from "./machine.ts";

export const RESULTS_PATH = fileURLToPath(new URL("./RESULTS.md", import.meta.url));

const HEADER = `# Benchmark results

Written by \`npm run bench\` (each \`bench:*\` script replaces its own section). Figures depend on
the machine and on what else ran on it: compare runs from the same machine only.
`;

export type ResultsSection = {
  /** The npm script, e.g. \`bench:redeem\`: names and delimits the section. */
  script: string;
  title: string;
  /** Described when the bench started (its load average is the one that mattered). */
  machine: Machine;
  /** Markdown: tables and notes. */
  body: string;
};

function markers(script: string): [string, string] {
  return [`<!-- ${script} -->`, `<!-- /${script} -->`];
}

/** The section as written: title, date, machine, command, then the body. */
export function renderSection(section: ResultsSection, at = new Date()): string {
  const [open, close] = markers(section.script);
  return [
    open,
    `## ${section.title}`,
    "",
    `- Date: ${at.toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- Machine: ${machineLine(section.machine)}`,
    `- Command: \`npm run ${section.script}\``,
    "",
    section.body.trim(),
    close,
  ].join("\n");
}

/** Replaces (or appends) the script's section in bench/RESULTS.md. */
export async function writeResults(section: ResultsSection): Promise<void> {
  const rendered = renderSection(section);
  const current = await readFile(RESULTS_PATH, "utf8").catch(() => HEADER);
  const [open, close] = markers(section.script);
  const start = current.indexOf(open);
  const end = current.indexOf(close);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + rendered + current.slice(end + close.length)
      : `${current.trimEnd()}\n\n${rendered}\n`;
  await writeFile(RESULTS_PATH, next);
}
