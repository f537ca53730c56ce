// A snippet that waits for a person's approval, run in a real shell in the background the way an
// agent's terminal would leave it running: the test watches its stderr while it waits, decides in
// the browser, then reads what it left. stdout and stderr are kept apart (the waiting notice and
// the denial reason are stderr's). The script holds a live ticket: mode 600 in a private (700)
// folder, never on a command line, deleted with the folder. The shell is its own process group,
// killed with everything it started when the test is done with it.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import type { RealShell } from "../support/shell-session.ts";

/** No rc files: the snippet must work in a bare shell (as test/e2e/support/shell-session.ts). */
const INVOCATIONS: Record<RealShell, readonly [string, ...string[]]> = {
  bash: ["bash", "--norc", "--noprofile"],
  zsh: ["zsh", "-f"],
  sh: ["dash"],
  fish: ["fish", "--no-config"],
};

export type BackgroundShell = {
  readonly shell: RealShell;
  stdout(): string;
  stderr(): string;
  /** The exit status, or undefined while it runs (null when a signal ended it). */
  status(): number | null | undefined;
  /** Resolves with the exit status, or throws once `ms` have passed, showing the shell's output. */
  finishedWithin(ms: number): Promise<number | null>;
  /** A file the session wrote, byte for byte (empty when it was not written). */
  bytes(file: string): Promise<Buffer>;
  text(file: string): Promise<string>;
  /** Kills the shell's whole group (curl with it) and removes its folder. */
  stop(): Promise<void>;
};

export async function startBackgroundShell(shell: RealShell, lines: readonly string[]): Promise<BackgroundShell> {
  const dir = await mkdtemp(join(tmpdir(), "claimcheck-e2e-approval-"));
  await chmod(dir, 0o700);
  const script = join(dir, `session.${shell}`);
  await writeFile(script, `${lines.join("\n")}\n`, { mode: 0o600 });
  const [command, ...args] = INVOCATIONS[shell];
  const child = spawn(command, [...args, script], {
    cwd: dir,
    // A clean home, so no user's rc or history file is read or written; loopback never via a proxy.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, LANG: "C.UTF-8", NO_PROXY: "127.0.0.1,localhost" },
    detached: true, // its own process group, so stop() reaches curl too
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${shell}`);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  let status: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve((status = code))));
  const read = (file: string) => readFile(join(dir, file)).catch(() => Buffer.alloc(0));
  return {
    shell,
    stdout: () => out,
    stderr: () => err,
    status: () => status,
    async finishedWithin(ms) {
      const result = await withinMs(exited, ms);
      if (result === TIMED_OUT) throw new Error(`${shell} still running after ${ms} ms; stderr so far:\n${err}`);
      return result;
    },
    bytes: read,
    text: async (file) => (await read(file)).toString("utf8"),
    async stop() {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // ESRCH: the group is already gone
      }
      await withinMs(exited, 5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
