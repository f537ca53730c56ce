// A real shell (bash, zsh, dash as `sh`, fish) whose environment holds a value the user has, the way
// a terminal holds an API key after `export API_KEY=…`: the deposit scripts read it from there, from
// a file in the session's folder, or from a pipe fed by the shell itself. One script file per
// session (mode 600 in a private folder, never on a command line: it holds a live ticket), bounded
// in time, its process group killed afterwards. Like test/e2e/support/shell-session.ts, plus the
// environment and the value file.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnChild } from "../../../dev/stack/child-process.ts";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";
import type { RealShell } from "../support/shell-session.ts";

/** Above curl's own limit in the snippets (30 s), below the test timeout. */
const SESSION_TIMEOUT_MS = 45_000;

/** No rc files: the snippet must work in a bare shell. */
const INVOCATIONS: Record<RealShell, readonly [string, ...string[]]> = {
  bash: ["bash", "--norc", "--noprofile"],
  zsh: ["zsh", "-f"],
  sh: ["dash"],
  fish: ["fish", "--no-config"],
};

export type ValueShellSession = { status: number | null; output: string };

export type ValueShellDir = {
  path: string;
  /** Writes `data` to `file` in the folder (mode 600). */
  put(file: string, data: string | Buffer): Promise<void>;
  /** Runs `lines` as one script in one shell, in this folder, with `env` added to its environment. */
  run(shell: RealShell, lines: readonly string[], env?: Record<string, string>): Promise<ValueShellSession>;
  /** A file the session wrote, byte for byte (empty when it was not written). */
  bytes(file: string): Promise<Buffer>;
  text(file: string): Promise<string>;
  remove(): Promise<void>;
};

export async function makeValueShellDir(): Promise<ValueShellDir> {
  const path = await mkdtemp(join(tmpdir(), "claimcheck-e2e-writes-"));
  await chmod(path, 0o700);
  // A clean home, so no user's rc or history file is read or written; loopback never via a proxy.
  const base = { HOME: path, XDG_CONFIG_HOME: path, XDG_DATA_HOME: path, LANG: "C.UTF-8", NO_PROXY: "127.0.0.1,localhost" };
  const read = (file: string) => readFile(join(path, file)).catch(() => Buffer.alloc(0));
  let sessions = 0;
  return {
    path,
    put: (file, data) => writeFile(join(path, file), data, { mode: 0o600 }),
    async run(shell, lines, env = {}) {
      const script = join(path, `session-${++sessions}.${shell}`);
      await writeFile(script, `${lines.join("\n")}\n`, { mode: 0o600 });
      const [command, ...args] = INVOCATIONS[shell];
      const child = spawnChild({ name: shell, command, args: [...args, script], cwd: path, env: { ...base, ...env } });
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
