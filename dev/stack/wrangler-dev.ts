// This project's Worker under `wrangler dev` on 127.0.0.1, with its D1 migrations applied to the
// same persisted state first. Offline: no metrics, no Cloudflare fetches, no login.
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
 * written `\$` (passwords hold them).
 */
function envFileLine(name: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`invalid Worker variable name: ${name}`);
  if (/[\r\n]/.test(value)) throw new TypeError(`Worker variable ${name}: multi-line values are not supported`);
  const literal = value.replaceAll("$", "\\$");
  if (!value.includes("'")) return `${name}='${literal}'`;
  if (!value.includes("`")) return `${name}=\`${literal}\``;
  if (!value.includes('"') && !value.includes("\\")) return `${name}="${literal}"`;
  throw new TypeError(`Worker variable ${name}: a value holding ' and \` must not hold " or \\`);
}

/** Writes `vars` to a new private folder; answers the file and a function that removes it. */
async function writeEnvFile(vars: Record<string, string>): Promise<{ path: string; remove: () => Promise<void> }> {
  const content = Object.entries(vars).map(([name, value]) => `${envFileLine(name, value)}\n`).join("");
  const folder = await mkdtemp(join(tmpdir(), "claimcheck-vars-")); // mode 0700
  const path = join(folder, "worker.env");
  await writeFile(path, content, { mode: 0o600 });
  return { path, remove: () => rm(folder, { recursive: true, force: true }) };
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
  const port = options.port ?? (await findFreePort());
  const ownState = options.persistTo === undefined;
  const persistTo = options.persistTo ?? (await mkdtemp(join(tmpdir(), "claimcheck-wrangler-")));
  const url = `http://127.0.0.1:${port}`;
  const envFile = await writeEnvFile(options.vars ?? {});
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
        "--env-file", envFile.path,
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
        await service.close();
        await envFile.remove();
        if (ownState) await rm(persistTo, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await envFile.remove();
    if (ownState) await rm(persistTo, { recursive: true, force: true });
    throw err;
  }
}
