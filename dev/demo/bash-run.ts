// Runs lines of bash as one script in a bare shell (no rc files), as an agent's terminal would.
// The script holds a live claim ticket: it is written mode 600 in a private (700) folder, never
// put on a command line, and deleted after the run. Bounded in time; killed with this process.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnChild } from "../stack/child-process.ts";
import { TIMED_OUT, withinMs } from "../stack/time-limit.ts";

/** Above curl's own limit in the snippets (30 s). */
const RUN_TIMEOUT_MS = 45_000;

export type BashResult = { status: number | null; output: string };

export async function runBash(lines: readonly string[]): Promise<BashResult> {
  const folder = await mkdtemp(join(tmpdir(), "claimcheck-demo-"));
  try {
    await chmod(folder, 0o700);
    const script = join(folder, "session.bash");
    await writeFile(script, `${lines.join("\n")}\n`, { mode: 0o600 });
    // A clean home: no user's rc or history file is read or written.
    const env = { HOME: folder, LANG: "C.UTF-8", NO_PROXY: "127.0.0.1,localhost" };
    const child = spawnChild({ name: "bash", command: "bash", args: ["--norc", "--noprofile", script], cwd: folder, env });
    try {
      const exit = await withinMs(child.exited, RUN_TIMEOUT_MS);
      if (exit === TIMED_OUT) throw new Error(`bash did not finish within ${RUN_TIMEOUT_MS} ms`);
      return { status: exit.code, output: child.output() };
    } finally {
      await child.stop();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
