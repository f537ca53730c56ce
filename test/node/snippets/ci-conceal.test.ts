// ci/claimcheck-redeem.sh conceals its command's output the way the snippets do: the same awk
// program (kept verbatim in the script; UPDATE_SNIPPET_FIXTURES=1 copies it in), one copy per
// fetched value, chained, on stdout and stderr; the same summary line; the command's own status.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONCEAL_AWK, CONCEAL_MASK } from "../../../src/snippets/conceal-filter.ts";
import { posixQuote } from "../../../src/snippets/quote.ts";
import { concealReference } from "./conceal-reference.ts";
import { makeWorkdir, shellAvailable } from "./real-shells.ts";

const SCRIPT = new URL("../../../ci/claimcheck-redeem.sh", import.meta.url);
const START = "cc_f=$(cat <<'CLAIMCHECK_CONCEAL_FILTER'\n";
const END = "\nCLAIMCHECK_CONCEAL_FILTER\n)";

const VALUES = { STRIPE_KEY: "sk_live_4eC39Hq.*[x]&\\end", DB_PASSWORD: "pässwörd\nsecond-line", PIN: "1234" };

let server: Server;
let url = "";

beforeAll(async () => {
  // A stand-in for POST /ci/redeem with Accept: text/x-shellscript.
  const answer = Object.entries(VALUES)
    .map(([name, value]) => `export ${name}=${posixQuote(value)}\n`)
    .join("");
  server = createServer((req, res) => req.resume().on("end", () => res.writeHead(200, { "content-type": "text/x-shellscript" }).end(answer)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function run(shell: string, command: string[]): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return makeWorkdir().then(async (dir) => {
    const specs = Object.keys(VALUES).map((name) => `${name}=Payments/x:password`);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir.path, TMPDIR: dir.path, CLAIMCHECK_URL: url, CLAIMCHECK_ID_TOKEN: "job-token" };
    const child = spawn(shell, [SCRIPT.pathname, ...specs, "--", ...command], { cwd: dir.path, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (piece: Buffer) => out.push(piece));
    child.stderr.on("data", (piece: Buffer) => err.push(piece));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    await dir.remove();
    return { status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
  });
}

describe("ci/claimcheck-redeem.sh", () => {
  it("carries the concealing filter verbatim", () => {
    const text = readFileSync(SCRIPT, "utf8");
    const from = text.indexOf(START) + START.length;
    const to = text.indexOf(END, from);
    expect(from).toBeGreaterThan(START.length);
    if (process.env.UPDATE_SNIPPET_FIXTURES === "1") writeFileSync(SCRIPT, text.slice(0, from) + CONCEAL_AWK + text.slice(to));
    expect(readFileSync(SCRIPT, "utf8").slice(from, from + CONCEAL_AWK.length + END.length)).toBe(CONCEAL_AWK + END);
  });

  for (const shell of ["dash", "bash"]) {
    it.runIf(shellAvailable(shell === "dash" ? "sh" : "bash"))(`${shell}: conceals every fetched value in the command's stdout and stderr, and keeps its status`, async () => {
      const b64 = Buffer.from(VALUES.STRIPE_KEY).toString("base64");
      const command = [
        "sh",
        "-c",
        [
          `printf '%s\\n' "$STRIPE_KEY" "$DB_PASSWORD" "pin $PIN"`,
          `printf 'b64 %s\\n' '${b64}' >&2`,
          `printf 'json %s\\n' 'p\\u00e4ssw\\u00f6rd' 'second-line' >&2`,
          "exit 5",
        ].join("; "),
      ];
      const result = await run(shell, command);
      expect(result.status).toBe(5);
      const stdout = `${VALUES.STRIPE_KEY}\n${VALUES.DB_PASSWORD}\npin 1234\n`;
      // Each value's filter in turn: what the chain of copies gives.
      const once = (text: string) => Object.values(VALUES).reduce<Buffer>((acc, value) => concealReference(acc, value).text, Buffer.from(text));
      expect(result.stdout.toString()).toBe(once(stdout).toString());
      expect(result.stdout.toString()).toBe(`${CONCEAL_MASK}\n${CONCEAL_MASK}\npin 1234\n`);
      expect(result.stderr.toString()).toBe(
        [
          "claimcheck: PIN is shorter than 6 characters; the output is not concealed",
          `b64 ${CONCEAL_MASK}`,
          "json p\\u00e4ssw\\u00f6rd",
          `json ${CONCEAL_MASK}`,
          "claimcheck: concealed 2 occurrence(s) of STRIPE_KEY in the command's output",
          "claimcheck: concealed 2 occurrence(s) of DB_PASSWORD in the command's output",
          "",
        ].join("\n"),
      );
    });
  }
});
