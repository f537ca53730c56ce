// `npm run check:deploy`: builds the Worker exactly as `wrangler deploy` would, without uploading
// (`--dry-run`, offline), and checks the bundle's gzip size. Cloudflare's limit is 3 MiB gzip on
// the free plan (10 MiB paid); ours is 1 MiB, so the Worker stays quick to start everywhere.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { runChild } from "./stack/child-process.ts";
import { PROJECT_ROOT } from "./stack/wrangler-dev.ts";

const MAX_GZIP_BYTES = 1024 * 1024;
const BUILD_TIMEOUT_MS = 180_000;
/** What the dry run writes besides the modules it would upload. */
const NOT_UPLOADED = new Set([".map", ".md"]);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function gzipSizes(outdir: string): Promise<{ file: string; raw: number; gzip: number }[]> {
  const files = (await readdir(outdir, { recursive: true, withFileTypes: true })).filter(
    (entry) => entry.isFile() && !NOT_UPLOADED.has(extname(entry.name)),
  );
  return Promise.all(
    files.map(async (entry) => {
      const bytes = await readFile(join(entry.parentPath, entry.name));
      return { file: join(entry.parentPath, entry.name).slice(outdir.length + 1), raw: bytes.length, gzip: gzipSync(bytes).length };
    }),
  );
}

async function checkDeploy(): Promise<boolean> {
  const outdir = await mkdtemp(join(tmpdir(), "claimcheck-deploy-"));
  try {
    console.log("wrangler deploy --dry-run (offline: builds the bundle and checks wrangler.toml, uploads nothing)...");
    await runChild({
      name: "wrangler deploy --dry-run",
      command: "npx",
      args: ["wrangler", "deploy", "--dry-run", "--outdir", outdir],
      env: { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      cwd: PROJECT_ROOT,
      echo: true,
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    const modules = await gzipSizes(outdir);
    if (modules.length === 0) throw new Error("the dry run wrote no module");
    for (const m of modules) console.log(`  ${m.file}: ${kib(m.raw)}, gzip ${kib(m.gzip)}`);
    const total = modules.reduce((sum, m) => sum + m.gzip, 0);
    const ok = total <= MAX_GZIP_BYTES;
    console.log(`Bundle: ${kib(total)} gzip (${total} bytes); limit ${kib(MAX_GZIP_BYTES)}: ${ok ? "ok" : "TOO BIG"}`);
    return ok;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = (await checkDeploy()) ? 0 : 1;
} catch (err) {
  console.error(`check:deploy failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
