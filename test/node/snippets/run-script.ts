// Runs one script file in a real shell and keeps its output as bytes, with the time each piece of
// stdout arrived: what the concealing tests compare byte for byte and check for streaming.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { shellInvocation, type RealShell } from "./real-shells.ts";

export type ScriptRun = {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** [milliseconds since start, bytes] for each piece of stdout, in order. */
  stdoutPieces: [number, Buffer][];
  /** Milliseconds from start to exit. */
  elapsedMs: number;
};

export async function runScript(
  shell: RealShell,
  dir: string,
  script: string,
  options: { env?: Record<string, string>; whileRunning?: (pid: number) => Promise<void> } = {},
): Promise<ScriptRun> {
  const file = join(dir, `conceal.${shell}`);
  await writeFile(file, `${script}\n`);
  const [program, ...args] = shellInvocation(shell);
  const path = `${await awkFirst(dir)}${process.env.PATH ?? "/usr/bin:/bin"}`;
  // TMPDIR: the snippet's own temporary directory (mktemp) is made in the work folder, so a test
  // can see it removed, and one left behind by a cancelled fish goes with the folder.
  const env = { PATH: path, HOME: dir, TMPDIR: dir, LANG: "C.UTF-8", XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, ...options.env };
  const started = performance.now();
  const child = spawn(program, [...args, file], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const pieces: [number, Buffer][] = [];
  child.stdout.on("data", (piece: Buffer) => {
    out.push(piece);
    pieces.push([performance.now() - started, piece]);
  });
  child.stderr.on("data", (piece: Buffer) => err.push(piece));
  const done = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (code, signal) => resolve([code, signal])));
  if (options.whileRunning && child.pid !== undefined) await options.whileRunning(child.pid);
  const [status, signal] = await done;
  return { status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), stdoutPieces: pieces, elapsedMs: performance.now() - started };
}

/**
 * `awk` is Debian's default, mawk, whenever it is installed, whatever the system's alternatives
 * say (installing gawk makes it the default): mawk is the awk that needs its interactive mode to
 * stream, so the real shells run the snippets with it. The filter itself is checked under every
 * awk in conceal-filter.test.ts.
 */
async function awkFirst(dir: string): Promise<string> {
  if (!existsSync("/usr/bin/mawk")) return "";
  const bin = join(dir, ".awk-bin");
  if (!existsSync(bin)) {
    await mkdir(bin);
    await symlink("/usr/bin/mawk", join(bin, "awk"));
  }
  return `${bin}:`;
}
