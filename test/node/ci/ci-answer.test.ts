import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answerFormat, renderAnswer } from "../../../src/ci/ci-answer";

// The answers of /ci/redeem, read back by real shells: whatever the bytes of a value (short of
// NUL, which no variable can hold), sourcing the shell answer sets exactly that value.
const NAMES = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/).filter((n) => !/^(_|PATH|IFS|PS[1-4]|ENV|HOME|OPTIND|PWD)$/.test(n));
const VALUE = fc.string({ unit: fc.oneof(fc.constantFrom("'", '"', "\\", "$", "`", "\n", "\r", "\t", " ", "%", "!", "*", "é", "🔑"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })) }).filter((v) => !v.includes("\0"));

/** Sources `script` in `shell` and prints each variable's bytes, NUL-separated. */
function readBack(shell: string, script: string, names: string[]): string[] {
  const dump = names.map((n) => `printf '%s\\0' "$${n}"`).join("\n");
  const run = spawnSync(shell, ["-c", `${script}\n${dump}`], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split("\0").slice(0, -1);
}

describe("the shell answer", () => {
  it.each(["dash", "bash"])("sets every value byte for byte in %s", (shell) => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(NAMES, VALUE), { selector: ([name]) => name, minLength: 1, maxLength: 8 }), (pairs) => {
        const values = Object.fromEntries(pairs);
        const { body, contentType } = renderAnswer("shell", values);
        expect(contentType).toBe("text/x-shellscript; charset=utf-8");
        expect(readBack(shell, body, Object.keys(values))).toEqual(Object.values(values));
      }),
      { numRuns: 60 },
    );
  });
});

describe("the dotenv answer", () => {
  it("writes a value with no quote, backslash or line break single-quoted, as is", () => {
    fc.assert(
      fc.property(VALUE.filter((v) => !/['\\\r\n]/.test(v)), (value) => {
        expect(renderAnswer("dotenv", { KEY: value }).body).toBe(`KEY='${value}'\n`);
      }),
    );
  });

  it("refuses, without the value in the message, a value dotenv cannot carry exactly", () => {
    fc.assert(
      fc.property(VALUE.filter((v) => /['\\\r\n]/.test(v) && v.length > 3), (value) => {
        try {
          renderAnswer("dotenv", { KEY: value });
          expect.unreachable();
        } catch (err) {
          expect(err).toMatchObject({ code: "VALUE_UNSUPPORTED" });
          expect(JSON.stringify(err) + String((err as Error).message)).not.toContain(value);
        }
      }),
    );
  });
});

describe("answerFormat", () => {
  it.each([
    [undefined, "json"],
    ["*/*", "json"],
    ["application/json", "json"],
    ["text/x-shellscript", "shell"],
    ["Text/X-Shellscript; q=1", "shell"],
    ["text/x-dotenv, application/json", "dotenv"],
    ["text/html, text/x-shellscript;q=0.5", "shell"],
    ["text/html", "json"],
  ])("%s → %s", (accept, format) => {
    expect(answerFormat(accept)).toBe(format);
  });

  it("renders JSON that parses back to the same values", () => {
    fc.assert(
      fc.property(fc.dictionary(NAMES, VALUE), (values) => {
        expect(JSON.parse(renderAnswer("json", values).body)).toEqual({ secrets: values });
      }),
    );
  });
});
