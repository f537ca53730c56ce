// This project's Worker under `wrangler dev` on 127.0.0.1, with its D1 migrations applied to the
// same persisted state first. Offline: no metrics, no Cloudflare fetches, no login.
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runChild } from "./child-process.ts";
import { findFreePort } from "./ports.ts";
import { startService } from "./service.ts";
import type { Service } from "./service.ts";

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

const MIGRATIONS_TIMEOUT_MS = 120_000;
// Two shared cores and a first bundle: wrangler usually answers within seconds, not always. Below
// the end-to-end hook timeout (90 s), so a test sees this error and the Worker's output.
const START_TIMEOUT_MS = 60_000;

const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  // Plain text logs, so tests can search them as written.
  FORCE_COLOR: "0",
  NO_COLOR: "1",
  // The Worker's settings come from the --env-file alone: never skipped, never overridden by a
  // variable of the same name in the caller's environment.
  CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
  CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
};

export type WranglerDevOptions = {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Local state (D1, Durable Objects); a fresh temporary folder, removed on close, when omitted. */
  persistTo?: string;
  /**
   * Entry script instead of wrangler.toml's `main` (path from the project root), with the same
   * bindings: benchmarks run a bench-only entry this way.
   */
  script?: string;
  /**
   * Worker settings, passed in an env file readable only by this user (`--env-file`), never on
   * the command line: any local user can read a process's arguments (`ps`), and these include the
   * Secret Server password and the OpenID client secret.
   */
  vars?: Record<string, string>;
  /** Copy the Worker's output to this process's stdout and stderr. */
  echo?: boolean;
  startTimeoutMs?: number;
};

export type WranglerDev = Service & {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly persistTo: string;
};

/** `wrangler d1 migrations apply DB --local` against `persistTo`; resolves to its output. */
export async function applyLocalMigrations(persistTo: string, echo = false): Promise<string> {
  return runChild({
    name: "wrangler d1 migrations apply",
    command: "npx",
    args: ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
    env: OFFLINE_ENV,
    cwd: PROJECT_ROOT,
    echo,
    timeoutMs: MIGRATIONS_TIMEOUT_MS,
  });
}

/**
 * One line of the env file wrangler reads with dotenv, then dotenv-expand. Single quotes keep the
 * value literal for dotenv (JSON, URLs), backticks too for a value holding one; double quotes,
 * the last resort, only without a backslash, which dotenv reads as an escape there. dotenv-expand
 * then replaces `$NAME` in any value, quoted or not, and turns `\$` into `$`: every `$` is
 * written `\$` (passwords hold them). What no quoting carries is refused, never altered.
 */
function envFileLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`invalid Worker variable name: ${name}`);
  if (/[\r\n]/.test(value)) throw new TypeError(`Worker variable ${name}: multi-line values are not supported`);
  // dotenv reads a backslash before the closing quote as an escaped quote and runs on into the
  // next line; a lone surrogate would be written as U+FFFD.
  if (value.endsWith("\\")) throw new TypeError(`Worker variable ${name}: a value must not end in a backslash`);
  if (!value.isWellFormed()) throw new TypeError(`Worker variable ${name}: not well-formed Unicode`);
  const literal = value.replaceAll("$", "\\$");
  if (!value.includes("'")) return `${name}='${literal}'`;
  if (!value.includes("`")) return `${name}=\`${literal}\``;
  if (!value.includes('"') && !value.includes("\\")) return `${name}="${literal}"`;
  throw new TypeError(`Worker variable ${name}: a value holding ' and \` must not hold " or \\`);
}

/** Env files not yet removed: a process that exits before close() still takes them along. */
const envFolders = new Set<string>();

function removeEnvFoldersNow(): void {
  for (const folder of envFolders) rmSync(folder, { recursive: true, force: true });
}

type EnvFile = { path: string; remove: () => Promise<void> };

/** Writes the env file to a new private folder; answers the file and a function that removes it. */
async function writeEnvFile(content: string): Promise<EnvFile> {
  const folder = await mkdtemp(join(tmpdir(), "claimcheck-vars-")); // mode 0700
  if (envFolders.size === 0) process.once("exit", removeEnvFoldersNow);
  envFolders.add(folder);
  const file: EnvFile = {
    path: join(folder, "worker.env"),
    async remove() {
      await rm(folder, { recursive: true, force: true });
      envFolders.delete(folder);
      if (envFolders.size === 0) process.off("exit", removeEnvFoldersNow);
    },
  };
  await writeFile(file.path, content, { mode: 0o600 }).catch(async (err: unknown) => {
    await file.remove();
    throw err;
  });
  return file;
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  // First, so a refused setting leaves nothing behind; the file goes on close, or at exit.
  const settings = await writeEnvFile(Object.entries(options.vars ?? {}).map(([name, value]) => `${envFileLine(name, value)}\n`).join(""));
  const port = options.port ?? (await findFreePort());
  const ownState = options.persistTo === undefined;
  const persistTo = options.persistTo ?? (await mkdtemp(join(tmpdir(), "claimcheck-wrangler-")));
  const url = `http://127.0.0.1:${port}`;
  try {
    await applyLocalMigrations(persistTo, options.echo);
    const service = await startService({
      name: "wrangler dev",
      command: "npx",
      args: [
        "wrangler", "dev",
        ...(options.script === undefined ? [] : [options.script]),
        "--ip", "127.0.0.1",
        "--port", String(port),
        "--persist-to", persistTo,
        "--show-interactive-dev-session=false",
        "--env-file", settings.path,
      ],
      env: OFFLINE_ENV,
      cwd: PROJECT_ROOT,
      echo: options.echo ?? false,
      readyUrl: `${url}/health`,
      startTimeoutMs: options.startTimeoutMs ?? START_TIMEOUT_MS,
    });
    return {
      ...service,
      url,
      port,
      persistTo,
      async close() {
        try {
          await service.close();
        } finally {
          await settings.remove();
          if (ownState) await rm(persistTo, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    await settings.remove();
    if (ownState) await rm(persistTo, { recursive: true, force: true });
    throw err;
  }
}
