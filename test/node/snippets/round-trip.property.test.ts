// Property: any value an environment variable can hold (any Unicode text without NUL) arrives
// byte for byte in bash, zsh, dash and fish, and nothing in it ever runs. Few runs per shell keep
// the suite fast; each run is a real shell against the real curl.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderSnippet } from "../../../src/snippets/index.ts";
import { startRedeemStub, type RedeemStub } from "./redeem-stub.ts";
import { REAL_SHELLS, makeWorkdir, probesFor, shellAvailable } from "./real-shells.ts";

const RUNS_PER_SHELL = 25;
let canaryDir = "";

/** Characters shells treat specially, so short strings of them hit the quoting edge cases often. */
const META = ["'", '"', "`", "$", "\\", "\n", "\r", "\t", " ", "%", "!", "(", ")", "{", "}", "*", "?", "-", ";", "&", "|", "x", "200", "é", "😀"];

function canary(id: number): string {
  return join(canaryDir, `canary-${id}`);
}

const value = fc
  .tuple(
    fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...META), minLength: 1, maxLength: 20 }),
    ),
    fc.constantFrom("", "$(touch C)", "`touch C`", "(touch C)", "'; touch C; '", '"; touch C #'),
    fc.nat(),
  )
  .map(([text, code, id]) => ({ value: text + code.replace("C", canary(id)) + text, canary: canary(id) }))
  .filter(({ value }) => !value.includes("\0") && value.isWellFormed());

let stub: RedeemStub;
beforeAll(async () => {
  stub = await startRedeemStub();
  // The directory must exist, or a `touch` that did run would fail and go unnoticed.
  canaryDir = await mkdtemp(join(tmpdir(), "claimcheck-canary-"));
});
afterAll(async () => {
  await stub.close();
  await rm(canaryDir, { recursive: true, force: true });
});

describe.each(REAL_SHELLS)("%s", (shell) => {
  it.runIf(shellAvailable(shell))("round-trips any value byte for byte and runs none of it", async () => {
    const probe = probesFor(shell);
    await fc.assert(
      fc.asyncProperty(value, async ({ value, canary }) => {
        const dir = await makeWorkdir();
        try {
          const { script } = renderSnippet({ shell, ticket: stub.seed(value), redeemUrl: stub.url, variableName: "V" });
          await dir.run(shell, [script, probe.status("status"), probe.value("V", "value")]);
          expect(await dir.read("status")).toBe("0\n");
          expect(await dir.bytes("value")).toEqual(Buffer.from(value));
          expect(existsSync(canary)).toBe(false);
        } finally {
          await dir.remove();
        }
      }),
      { numRuns: RUNS_PER_SHELL },
    );
    expect(stub.argvLeaks()).toEqual([]);
  });
});
