// npm run bench — every `bench:*` script in package.json, one after another (never two at once:
// they would measure each other), each writing its own section of bench/RESULTS.md. A bench that
// fails does not stop the others; the exit status says whether all of them ran.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";

const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { scripts?: Record<string, string> };
const benches = Object.keys(manifest.scripts ?? {}).filter((name) => name.startsWith("bench:"));

const failed: string[] = [];
for (const name of benches) {
  console.log(`\n=== npm run ${name}`);
  const { status } = spawnSync("npm", ["run", "--silent", name], { stdio: "inherit" });
  if (status !== 0) failed.push(`${name} (exit ${status})`);
}
console.log(`\nbenches run: ${benches.join(", ")}${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);
process.exitCode = failed.length ? 1 : 0;
