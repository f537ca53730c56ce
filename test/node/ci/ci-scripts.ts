// Running the CI client scripts (ci/claimcheck-redeem.sh and the GitHub Action's redeem.sh) as a
// runner would, and reading what they leave: the runner's GITHUB_ENV file format, and a log checked
// for masks first and values nowhere else. Shared by the Node tests and the end-to-end tests.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const SH_SCRIPT = fileURLToPath(new URL("../../../ci/claimcheck-redeem.sh", import.meta.url));
export const ACTION_SCRIPT = fileURLToPath(new URL("../../../ci/github-action/redeem.sh", import.meta.url));

const RUN_TIMEOUT_MS = 30_000;

export type ScriptRun = { code: number | null; stdout: string; stderr: string };

/** Runs argv with exactly `env` (plus PATH): nothing of this process's environment leaks in. */
export function runScript(argv: readonly [string, ...string[]], env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The runner's reading of $GITHUB_ENV / $GITHUB_OUTPUT: `NAME=value` lines and `NAME<<DELIMITER` blocks. */
export function parseGithubFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (!heredoc) {
      const at = line.indexOf("=");
      values[line.slice(0, at)] = line.slice(at + 1);
      continue;
    }
    const end = lines.indexOf(heredoc[2]!, i + 1);
    if (end < 0) throw new Error(`unterminated ${heredoc[1]}`);
    values[heredoc[1]!] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return values;
}

const unescapeCommandData = (data: string) => data.replace(/%(25|0D|0A)/g, (_m, code: string) => ({ "25": "%", "0D": "\r", "0A": "\n" })[code]!);

/** What a value looks like in a log: itself, and each of its lines long enough to search for. */
function traces(value: string): string[] {
  return [value, ...value.split(/\r?\n/).filter((line) => line.length >= 4)];
}

/**
 * The runner registers each `::add-mask::` as it reads it: every value (and each line of a
 * multi-line one) must be masked before any other line is printed, and no value may appear
 * anywhere else in the output, stdout or stderr.
 */
export function expectMaskedFirstAndNeverShown(run: ScriptRun, values: readonly string[]): void {
  const lines = run.stdout.split("\n");
  const firstOther = lines.findIndex((line) => !line.startsWith("::add-mask::"));
  const masks = lines.slice(0, firstOther < 0 ? lines.length : firstOther).map((line) => unescapeCommandData(line.slice("::add-mask::".length)));
  for (const value of values) for (const trace of traces(value)) expect(masks, "a value was not masked first").toContain(trace);
  const shown = `${lines.filter((line) => !line.startsWith("::add-mask::")).join("\n")}\n${run.stderr}`;
  for (const value of values) for (const trace of traces(value)) expect(shown.includes(trace), "a value was printed").toBe(false);
}

/** Neither stream shows any trace of any value. */
export function expectNeverShown(run: ScriptRun, values: readonly string[]): void {
  const all = `${run.stdout}\n${run.stderr}`;
  for (const value of values) for (const trace of traces(value)) expect(all.includes(trace), "a value was printed").toBe(false);
}
