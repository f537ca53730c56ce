// This project's Worker under `wrangler dev` on 127.0.0.1, with its D1 migrations applied to the
// same persisted state first. Offline: no metrics, no Cloudflare fetches, no login.
import { mkdtemp, rm } from "node:fs/promises";
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
  /** Worker settings, passed as `--var NAME:VALUE` (wrangler shows them as "(hidden)"). */
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

function varArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([name, value]) => {
    // wrangler splits NAME:VALUE at the first colon, so values may hold colons (URLs, JSON).
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`invalid Worker variable name: ${name}`);
    return ["--var", `${name}:${value}`];
  });
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
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
        ...varArgs(options.vars ?? {}),
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
        if (ownState) await rm(persistTo, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (ownState) await rm(persistTo, { recursive: true, force: true });
    throw err;
  }
}
