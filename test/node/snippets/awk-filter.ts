// Runs the concealing awk program directly, the way the snippets run it (LC_ALL=C, the value in
// the environment, the end-of-stream marker after the output), under each awk on this machine.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONCEAL_AWK, CONCEAL_MIN_CHARS } from "../../../src/snippets/conceal-filter.ts";
import { shortValueNotice } from "../../../src/snippets/notices.ts";

/**
 * The awks POSIX systems ship, run as the snippets run them: Debian's default mawk only streams
 * in its interactive mode (otherwise it reads until its buffer is full), which reads lines as C
 * strings and so cannot pass a NUL byte; busybox cuts records at NUL too.
 */
export const AWKS: { name: string; argv: string[]; keepsNul: boolean }[] = [
  { name: "mawk", argv: ["mawk", "-Winteractive"], keepsNul: false },
  { name: "gawk", argv: ["gawk"], keepsNul: true },
  { name: "busybox awk", argv: ["busybox", "awk"], keepsNul: false },
].filter(({ argv }) => spawnSync(argv[0], [...argv.slice(1), "BEGIN { exit 0 }"]).status === 0);

/** The marker the shell writes after the command's output (printf '\001cc\001'). */
export const END_OF_STREAM = Buffer.from("\x01cc\x01", "latin1");

export type Filtered = { stdout: Buffer; count: number | undefined; status: number | null };

/**
 * Feeds `chunks` to the filter (with `gapMs` between them) and returns what it printed and the
 * count it wrote. `onOutput` sees each piece as it is printed, to check streaming.
 */
export async function runFilter(
  awk: string[],
  value: string,
  chunks: Buffer[],
  options: { stderrCopy?: boolean; gapMs?: number; onOutput?: (piece: Buffer) => void; name?: string } = {},
): Promise<Filtered> {
  const dir = await mkdtemp(join(tmpdir(), "claimcheck-filter-"));
  const name = options.name ?? "SECRET_VALUE";
  const args = [...awk.slice(1), "-v", `n=${name}`, "-v", `o=${join(dir, "count")}`, ...(options.stderrCopy ? ["-v", `e=${shortValueNotice(name, CONCEAL_MIN_CHARS)}`] : []), CONCEAL_AWK];
  const child = spawn(awk[0], args, { env: { PATH: process.env.PATH, LC_ALL: "C", [name]: value }, stdio: ["pipe", "pipe", "inherit"] });
  const out: Buffer[] = [];
  child.stdout.on("data", (piece: Buffer) => {
    out.push(piece);
    options.onOutput?.(piece);
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  for (const chunk of [...chunks, END_OF_STREAM]) {
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once("drain", resolve));
    if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
  }
  child.stdin.end();
  const status = await closed;
  const counted = await readFile(join(dir, "count"), "utf8").catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  return { stdout: Buffer.concat(out), count: counted === undefined ? undefined : Number(counted), status };
}
