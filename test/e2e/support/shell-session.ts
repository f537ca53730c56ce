// Runs what the Worker returned in real shells (bash, zsh, dash as `sh`, fish), the way an agent's
// terminal would: one script file per session, so a snippet, the probes after it and its cleanup
// share one shell. The file holds a live ticket, so it is mode 600 inside a private (700) folder,
// never on a command line, and is deleted after the run. Each session is its own process group,
// bounded in time and killed with this process. The probe language (how each shell reports a
// status, a variable's bytes, set or unset) is the snippet tests' own (test/node/snippets).
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnChild } from "../../../dev/stack/child-process.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import type { RealShell } from "../../node/snippets/real-shells.ts";

export { probesFor, REAL_SHELLS, shellAvailable } from "../../node/snippets/real-shells.ts";
export type { RealShell } from "../../node/snippets/real-shells.ts";

/** Above curl's own limit in the snippets (30 s), below the end-to-end test timeout (60 s). */
const SESSION_TIMEOUT_MS = 45_000;

/** No rc files: the snippet must work in a bare shell. */
const INVOCATIONS: Record<RealShell, readonly [string, ...string[]]> = {
  bash: ["bash", "--norc", "--noprofile"],
  zsh: ["zsh", "-f"],
  sh: ["dash"],
  fish: ["fish", "--no-config"],
};

export type SessionResult = {
  /** The shell's exit status (null when a signal ended it). */
  status: number | null;
  /** What the session printed, stdout and stderr together. */
  output: string;
};

export type ShellWorkdir = {
  path: string;
  /** Runs `lines` as one script in one shell process, in this folder. */
  run(shell: RealShell, lines: readonly string[]): Promise<SessionResult>;
  /** A file the session wrote, byte for byte (empty when it was not written). */
  bytes(file: string): Promise<Buffer>;
  /** A file the session wrote, as text (empty when it was not written). */
  text(file: string): Promise<string>;
  remove(): Promise<void>;
};

export async function makeShellWorkdir(): Promise<ShellWorkdir> {
  const path = await mkdtemp(join(tmpdir(), "claimcheck-e2e-shell-"));
  await chmod(path, 0o700);
  // A clean home, so no user's rc or history file is read or written; loopback never via a proxy.
  const env = { HOME: path, XDG_CONFIG_HOME: path, XDG_DATA_HOME: path, LANG: "C.UTF-8", NO_PROXY: "127.0.0.1,localhost" };
  const read = (file: string) => readFile(join(path, file)).catch(() => Buffer.alloc(0));
  let sessions = 0;
  return {
    path,
    async run(shell, lines) {
      const script = join(path, `session-${++sessions}.${shell}`);
      await writeFile(script, `${lines.join("\n")}\n`, { mode: 0o600 });
      const [command, ...args] = INVOCATIONS[shell];
      const child = spawnChild({ name: shell, command, args: [...args, script], cwd: path, env });
      try {
        const exit = await withinMs(child.exited, SESSION_TIMEOUT_MS);
        if (exit === TIMED_OUT) throw new Error(`${shell} session did not finish within ${SESSION_TIMEOUT_MS} ms:\n${child.output()}`);
        return { status: exit.code, output: child.output() };
      } finally {
        await child.stop();
        await rm(script, { force: true });
      }
    },
    bytes: read,
    text: async (file) => (await read(file)).toString("utf8"),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
