// Runs snippets in real shells (bash, zsh, dash for `sh`, fish) and reads back what they left:
// scripts are written to a file, never passed with -c, so the ticket is in no argv but curl's if
// the snippet put it there. Probes write to files so values are compared byte for byte.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REAL_SHELLS = ["bash", "zsh", "sh", "fish"] as const;
export type RealShell = (typeof REAL_SHELLS)[number];

/** No rc files: the snippet must work in a bare shell. */
const INVOCATIONS: Record<RealShell, string[]> = {
  bash: ["bash", "--norc", "--noprofile"],
  zsh: ["zsh", "-f"],
  sh: ["dash"],
  fish: ["fish", "--no-config"],
};

/** Lines that record the shell's state into files in the working directory. */
export type Probes = {
  /** The last status, as text. */
  status(file: string): string;
  /** "set" or "unset". */
  isSet(name: string, file: string): string;
  /** The shell variable's bytes, exactly. */
  value(name: string, file: string): string;
};

const POSIX_PROBES: Probes = {
  status: (file) => `echo $? > ${file}`,
  isSet: (name, file) => `if [ -n "\${${name}+x}" ]; then echo set; else echo unset; fi > ${file}`,
  value: (name, file) => `printf '%s' "$${name}" > ${file}`,
};

const FISH_PROBES: Probes = {
  status: (file) => `echo $status > ${file}`,
  isSet: (name, file) => `if set -q ${name}; echo set; else; echo unset; end > ${file}`,
  value: (name, file) => `printf '%s' "$${name}" > ${file}`,
};

export function probesFor(shell: RealShell): Probes {
  return shell === "fish" ? FISH_PROBES : POSIX_PROBES;
}

/**
 * `%header{}` (the server's reason on failure) needs curl 7.84; Retry-After is honoured since 7.66.
 * An older curl cannot run waiting or deposit snippets as intended, so those tests do not run there.
 */
function curlCanWait(): boolean {
  try {
    const match = /^curl (\d+)\.(\d+)/.exec(execFileSync("curl", ["--version"], { encoding: "utf8" }));
    return match !== null && Number(match[1]) * 100 + Number(match[2]) >= 7 * 100 + 84;
  } catch {
    return false;
  }
}
export const CURL_CAN_WAIT = curlCanWait();

/** The program and arguments that run a script file in `shell`, with no rc files. */
export function shellInvocation(shell: RealShell): string[] {
  return INVOCATIONS[shell];
}

export function shellAvailable(shell: RealShell): boolean {
  return ["/usr/bin", "/bin", "/usr/local/bin"].some((dir) => existsSync(join(dir, INVOCATIONS[shell][0])));
}

export type Workdir = {
  path: string;
  /**
   * Runs `lines` as one script file; resolves with the shell's exit status, stdout and stderr.
   * `env` adds variables to the shell's environment.
   */
  run(shell: RealShell, lines: string[], options?: { env?: Record<string, string> }): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** A file the script wrote, as text (undefined if it was not written). */
  read(file: string): Promise<string | undefined>;
  /** A file the script wrote, as bytes. */
  bytes(file: string): Promise<Buffer>;
  remove(): Promise<void>;
};

export async function makeWorkdir(): Promise<Workdir> {
  const path = await mkdtemp(join(tmpdir(), "claimcheck-snippets-"));
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: path, LANG: "C.UTF-8", XDG_CONFIG_HOME: path, XDG_DATA_HOME: path };
  return {
    path,
    async run(shell, lines, options = {}) {
      const file = join(path, `script.${shell}`);
      await writeFile(file, `${lines.join("\n")}\n`);
      const [program, ...args] = INVOCATIONS[shell];
      const child = spawn(program, [...args, file], { cwd: path, env: { ...env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
      return { status, stdout, stderr };
    },
    read: (file) => readFile(join(path, file), "utf8").catch(() => undefined),
    bytes: (file) => readFile(join(path, file)),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}
