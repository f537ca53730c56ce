// npm run bench:conceal — how fast the command form's concealing filter (src/snippets/
// conceal-filter.ts) passes output, in MB/s, next to `cat` on the same 10 MiB: the cost a
// command's output pays for being concealed. Each awk on the machine runs the program as the
// snippets run it (LC_ALL=C, the value in the environment, mawk in its interactive mode), on
// output with no occurrence, and with the value on every 100th line. No timed assertion: the
// figures go to bench/RESULTS.md.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONCEAL_AWK } from "../src/snippets/conceal-filter.ts";
import { describeMachine } from "./machine.ts";
import { writeResults } from "./results.ts";

const OUTPUT_BYTES = 10 * 1024 * 1024;
const RUNS = 3;
const VALUE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
const LINE = "2026-12-03T12:00:00Z INFO request served in 12 ms, status 200, bytes 5120\n";
const END_OF_STREAM = "\x01cc\x01";

const AWKS = [
  { name: "mawk -Winteractive (Debian's default awk, as the snippets run it)", argv: ["mawk", "-Winteractive"] },
  { name: "gawk", argv: ["gawk"] },
  { name: "busybox awk", argv: ["busybox", "awk"] },
].filter(({ argv }) => spawnSync(argv[0]!, [...argv.slice(1), "BEGIN { exit 0 }"]).status === 0);

/** 10 MiB of log lines, the value on every `every`th line (0: never), then the end marker. */
function output(every: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 1; size < OUTPUT_BYTES; i++) {
    const line = every > 0 && i % every === 0 ? `token=${VALUE} ${LINE}` : LINE;
    lines.push(line);
    size += line.length;
  }
  return lines.join("").slice(0, OUTPUT_BYTES) + END_OF_STREAM;
}

/** Median seconds of `sh -c script` over RUNS runs. */
function seconds(script: string, env: Record<string, string>): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const run = spawnSync("sh", ["-c", script], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "ignore", "inherit"] });
    if (run.status !== 0) throw new Error(`bench script failed (${run.status}): ${script.slice(0, 80)}`);
    times.push((performance.now() - started) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

function mbPerSecond(s: number): string {
  return (OUTPUT_BYTES / 1e6 / s).toFixed(1);
}

const dir = await mkdtemp(join(tmpdir(), "claimcheck-bench-conceal-"));
const machine = await describeMachine();
try {
  const rows: string[] = [];
  for (const [label, every] of [["no occurrence", 0], ["value on every 100th line", 100]] as const) {
    const file = join(dir, `output-${every}.txt`);
    await writeFile(file, output(every), "latin1");
    const env = { F: file, CLAIMCHECK_BENCH_VALUE: VALUE, P: CONCEAL_AWK };
    const cat = seconds(`cat "$F" | cat >/dev/null`, env);
    rows.push(`| ${label} | cat | ${mbPerSecond(cat)} | 1.0 |`);
    for (const awk of AWKS) {
      const filter = `cat "$F" | LC_ALL=C ${awk.argv.join(" ")} -v n=CLAIMCHECK_BENCH_VALUE -v o=/dev/null "$P" >/dev/null`;
      const took = seconds(filter, env);
      rows.push(`| ${label} | ${awk.name} | ${mbPerSecond(took)} | ${(took / cat).toFixed(1)} |`);
      console.log(`${label}, ${awk.name}: ${mbPerSecond(took)} MB/s (cat ${mbPerSecond(cat)} MB/s)`);
    }
  }
  await writeResults({
    script: "bench:conceal",
    title: "Concealing a command's output vs cat",
    machine,
    body: [
      `10 MiB of log lines (${LINE.length} bytes each) piped through the concealing filter, as the command form runs it, against \`cat\` on the same bytes; median of ${RUNS} runs. MB = 10^6 bytes.`,
      "",
      "| Output | Through | MB/s | time / cat's |",
      "| --- | --- | ---: | ---: |",
      ...rows,
    ].join("\n"),
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
