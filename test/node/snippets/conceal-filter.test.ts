// The concealing awk program alone, under every awk on this machine: each form of the value is
// replaced, everything else passes byte for byte, and the result is the one a single pass over the
// whole output gives (conceal-reference.ts), however the output is cut into writes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONCEAL_MASK } from "../../../src/snippets/conceal-filter.ts";
import { AWKS, runFilter } from "./awk-filter.ts";
import { concealReference, needlesOf } from "./conceal-reference.ts";

const MASK = CONCEAL_MASK;
const VALUE = "s3cr3t-Value/+&\\.*[a](b){c}|^$?";
const PEM = "-----BEGIN KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEAq7\nab\n-----END KEY-----\n";

function b(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

describe.runIf(AWKS.length > 0).each(AWKS)("$name", ({ argv, keepsNul }) => {
  async function conceal(value: string, output: string | Buffer, options: { chunks?: number } = {}) {
    const bytes = typeof output === "string" ? b(output) : output;
    const size = Math.max(1, Math.ceil(bytes.length / (options.chunks ?? 1)));
    const chunks = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    return runFilter(argv, value, chunks);
  }

  it("replaces the value, its base64 and base64url (with and without padding), percent and JSON forms", async () => {
    const value = "p@ss wörd/+?&=\"\\\n\tend!";
    const raw = b(value);
    const forms = [
      value,
      raw.toString("base64"),
      raw.toString("base64").replace(/=+$/, ""),
      raw.toString("base64url"),
      `${raw.toString("base64").replaceAll("+", "-").replaceAll("/", "_")}`,
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1),
    ];
    for (const form of forms) {
      const { stdout, count } = await conceal(value, `before ${form} after\n`);
      expect(stdout.toString(), form).toBe(`before ${MASK} after\n`);
      expect(count).toBe(1);
    }
  });

  it("matches metacharacters literally, the awk replacement specials & and \\ included", async () => {
    const { stdout, count } = await conceal(VALUE, `a${VALUE}b ${VALUE}\n.*.*&&\\\\\n`);
    expect(stdout.toString()).toBe(`a${MASK}b ${MASK}\n.*.*&&\\\\\n`);
    expect(count).toBe(2);
  });

  it("conceals a multi-line value whole, and each of its long lines printed apart", async () => {
    const lines = PEM.split("\n");
    const whole = await conceal(PEM, `key:\n${PEM}done\n`);
    expect(whole.stdout.toString()).toBe(`key:\n${MASK}done\n`);
    const part = await conceal(PEM, `line ${lines[1]}\nab\n${lines[3]} tail\n`);
    expect(part.stdout.toString()).toBe(`line ${MASK}\nab\n${MASK} tail\n`);
    expect(part.count).toBe(2);
    const crlf = await conceal(PEM, PEM.replaceAll("\n", "\r\n"));
    expect(crlf.stdout.toString()).toBe(`${MASK}\r\n${MASK}\r\nab\r\n${MASK}\r\n`);
  });

  it("leaves a value shorter than 6 characters alone, and says so on the stderr copy only", async () => {
    const out = await conceal("ab\ncd", "ab\ncd\nYWIKY2Q=\n");
    expect(out.stdout.toString()).toBe("ab\ncd\nYWIKY2Q=\n");
    expect(out.count).toBe(0);
    const err = await runFilter(argv, "éé🙂ab", [b("x éé🙂ab\n")], { stderrCopy: true, name: "SHORT" });
    expect(err.stdout.toString()).toBe("claimcheck: SHORT is shorter than 6 characters; the output is not concealed\nx éé🙂ab\n");
  });

  it("counts characters, not bytes: six non-ASCII characters are concealed", async () => {
    const value = "日本語のパス";
    const { stdout } = await conceal(value, `${value}\n`);
    expect(stdout.toString()).toBe(`${MASK}\n`);
  });

  it("passes every byte it does not replace: non-UTF-8, CR, control bytes, a last line without a line break", async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((i) => keepsNul || i !== 0));
    const output = Buffer.concat([all, b("\n\n\r\n"), all, b(`${VALUE}`), Buffer.from([0xff, 0xfe]), b("no newline")]);
    const { stdout, count } = await conceal(VALUE, output, { chunks: 7 });
    expect(stdout).toEqual(concealReference(output, VALUE).text);
    expect(count).toBe(1);
    for (const edge of ["", "\n", "\n\n", "x", "x\n", "\u0001cc\u0001\n", "a\u0001cc\u0001", "\u0001cc"]) {
      expect((await conceal(VALUE, edge)).stdout.toString(), JSON.stringify(edge)).toBe(edge);
    }
  });

  it("passes a 1 MiB line without a line break, and conceals the value at its end", async () => {
    const line = "x".repeat(1024 * 1024);
    const { stdout } = await conceal(VALUE, `${line}${VALUE}`, { chunks: 16 });
    expect(stdout.length).toBe(line.length + MASK.length);
    expect(stdout.toString().endsWith(`x${MASK}`)).toBe(true);
  });

  it("prints each line as it arrives, and holds lines only while they may begin the multi-line value", async () => {
    const seen: string[] = [];
    const value = "first-line\nsecond-line";
    const chunks = [b("one\n"), b("two first-line\n"), b("second-line three\n"), b("four\n")];
    const { stdout } = await runFilter(argv, value, chunks, { gapMs: 150, onOutput: (piece) => seen.push(piece.toString()) });
    expect(stdout.toString()).toBe(`one\ntwo ${MASK} three\nfour\n`);
    expect(seen[0]).toBe("one\n");
    expect(seen[1]).toBe("two ");
  });

  it("gives what one pass over the whole output gives, however the output is written", async () => {
    const values = fc.constantFrom(VALUE, PEM, "aaaaaa\naaaaaa\nb", "\nstarts-with-newline", "ends-with-newline\n", "Ünïcödé-välüé", "x\ny\nzzzzzz\n");
    const scenario = values.chain((value) => {
      const needles = needlesOf(value).map((needle) => Buffer.from(needle, "latin1").toString("utf8"));
      const piece = fc.oneof(
        fc.constantFrom(...needles, value, "\n", "\r\n", "-", "=", "%", "\\"),
        fc.string({ maxLength: 8 }),
        fc.constantFrom(...needles).map((needle) => needle.slice(0, Math.max(1, needle.length - 2))),
      );
      return fc.record({ value: fc.constant(value), output: fc.array(piece, { maxLength: 30 }).map((parts) => parts.join("")), chunks: fc.integer({ min: 1, max: 5 }) });
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ value, output, chunks }) => {
        const expected = concealReference(b(output), value);
        const actual = await conceal(value, output, { chunks });
        expect(actual.stdout.toString("latin1")).toBe(expected.text.toString("latin1"));
        expect(actual.count).toBe(expected.count);
      }),
      { numRuns: 60 },
    );
  });
});
