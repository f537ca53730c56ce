// Which processes carry a string in their command line (/proc/<pid>/cmdline): what `ps` shows any
// user on the machine. Tests use it to prove a ticket or token never appears there.
import { readdirSync, readFileSync } from "node:fs";

export function processesHolding(needle: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`).includes(needle)) found.push(Number(pid));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return found;
}
