// The command form with its output concealed, run for real in bash, zsh, dash (as `sh`) and fish
// against the redeem stub: what the command prints is compared byte for byte with what one pass of
// the reference gives; statuses, streaming, memory, argv and the report are checked as a user
// (or the security team) would notice them.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONCEAL_MASK } from "../../../src/snippets/conceal-filter.ts";
import { renderSnippet } from "../../../src/snippets/index.ts";
import { posixQuote } from "../../../src/snippets/quote.ts";
import { processesHolding } from "../support/argv-scan.ts";
import { concealReference, needlesOf } from "./conceal-reference.ts";
import { startRedeemStub, type RedeemStub } from "./redeem-stub.ts";
import { REAL_SHELLS, makeWorkdir, shellAvailable, type RealShell, type Workdir } from "./real-shells.ts";
import { runScript } from "./run-script.ts";

const NAME = "API_KEY";
/** Regex, replacement and shell metacharacters, and non-ASCII. */
const VALUE = "p@ss.*+?[](){}|\\^$&/wörd-日本";
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\nAT8wggE7AgEAAkEA0aXr\n-----END PRIVATE KEY-----\n";

let stub: RedeemStub;
let dir: Workdir;

beforeAll(async () => {
  stub = await startRedeemStub();
});
afterAll(() => stub.close());
beforeEach(async () => {
  stub.mode = "normal";
  stub.reportMode = "accept";
  dir = await makeWorkdir();
});
afterEach(() => dir.remove());

function concealing(shell: RealShell, value: string, command: string, mask = true) {
  const ticket = stub.seed(value);
  const snippet = renderSnippet({ shell, ticket, redeemUrl: stub.url, reportUrl: stub.reportUrl, variableName: NAME, command, mask });
  return { ...snippet, ticket };
}

/** Prints a literal text in any of the four shells (single quotes: the same in fish for these). */
function print(text: string, toStderr = false): string {
  return `printf '%s\\n' ${posixQuote(text)}${toStderr ? " >&2" : ""}`;
}

function summary(count: number): string {
  return `claimcheck: concealed ${count} occurrence(s) of ${NAME} in the command's output\n`;
}

describe.each(REAL_SHELLS)("%s", (shell) => {
  const available = shellAvailable(shell);

  it.runIf(available)("conceals the value and its encodings on stdout and stderr, byte for byte, and reports the count", async () => {
    const forms = needlesOf(VALUE).map((needle) => Buffer.from(needle, "latin1").toString("utf8"));
    const command = [
      `printf '%s\\n' "$${NAME}"`,
      `printf 'in a line: %s!\\n' "$${NAME}" >&2`,
      ...forms.map((form, i) => print(`form ${i}: ${form}`, i % 2 === 1)),
      `printf 'last line without a break'`,
    ].join("\n");
    const { script, ticket } = concealing(shell, VALUE, command);
    const run = await runScript(shell, dir.path, script);
    const stdout = [`${VALUE}\n`, ...forms.flatMap((form, i) => (i % 2 === 0 ? [`form ${i}: ${form}\n`] : [])), "last line without a break"].join("");
    const stderr = [`in a line: ${VALUE}!\n`, ...forms.flatMap((form, i) => (i % 2 === 1 ? [`form ${i}: ${form}\n`] : []))].join("");
    const expectedOut = concealReference(Buffer.from(stdout), VALUE);
    const expectedErr = concealReference(Buffer.from(stderr), VALUE);
    const count = expectedOut.count + expectedErr.count;
    expect(count).toBe(2 + forms.length);
    expect(run.stdout.toString("latin1")).toBe(expectedOut.text.toString("latin1"));
    expect(run.stderr.toString("latin1")).toBe(Buffer.concat([expectedErr.text, Buffer.from(summary(count))]).toString("latin1"));
    expect(run.stdout.toString()).not.toContain(VALUE);
    expect(run.status).toBe(0);
    // The temporary directory (status and counts) is gone: only the script and the awk pin remain.
    expect(readdirSync(dir.path).filter((entry) => entry.startsWith("tmp."))).toEqual([]);
    const reports = stub.reports().filter((report) => report.ticket === ticket);
    expect(reports).toEqual([{ ticket, body: `{"count":${count}}`, contentType: "application/json" }]);
  });

  it.runIf(available)("conceals a multi-line value printed whole, and each long line of it printed apart", async () => {
    const lines = PEM.split("\n");
    const command = [`printf 'key=%s' "$${NAME}"`, print(`partial: ${lines[1]}`, true), print(lines[3])].join("\n");
    const run = await runScript(shell, dir.path, concealing(shell, PEM, command).script);
    expect(run.stdout.toString()).toBe(`key=${CONCEAL_MASK}${CONCEAL_MASK}\n`);
    expect(run.stderr.toString()).toBe(`partial: ${CONCEAL_MASK}\n${summary(3)}`);
  });

  it.runIf(available)("passes output without the value through unchanged: non-UTF-8 bytes, CR, no final line break", async () => {
    const command = `printf '\\377\\376 caf\\351\\r\\n\\001\\n%s' 'end'; printf 'err\\200\\n' >&2`;
    const run = await runScript(shell, dir.path, concealing(shell, VALUE, command).script);
    expect(run.stdout).toEqual(Buffer.from("\xff\xfe caf\xe9\r\n\x01\nend", "latin1"));
    expect(run.stderr).toEqual(Buffer.from("err\x80\n", "latin1"));
    expect(stub.reports()).not.toContainEqual(expect.objectContaining({ body: expect.stringContaining('"count":0') }));
  });

  for (const [command, status] of [
    ["true", 0],
    ["exit 3", 3],
    ["no-such-command-claimcheck", 127],
    [`sh -c 'kill -INT $$'`, 130],
  ] as const) {
    it.runIf(available)(`ends with the command's own status ${status}`, async () => {
      const run = await runScript(shell, dir.path, concealing(shell, VALUE, `printf '%s\\n' "$${NAME}"\n${command}`).script);
      // fish cancels what is left of a job when a command in it dies of SIGINT, and then dies of it
      // itself: what the caller sees is the same interrupt (README, limits).
      if (shell === "fish" && status === 130) expect(run.signal).toBe("SIGINT");
      else expect(run.status).toBe(status);
      expect(run.stdout.toString()).toBe(`${CONCEAL_MASK}\n`);
    });
  }

  it.runIf(available)("streams: the first line is readable while the command still runs", async () => {
    const run = await runScript(shell, dir.path, concealing(shell, VALUE, `echo first "$${NAME}"; sleep 2; echo second`).script);
    expect(run.stdout.toString()).toBe(`first ${CONCEAL_MASK}\nsecond\n`);
    const early = run.stdoutPieces.filter(([at]) => at < run.elapsedMs - 1500).map(([, piece]) => piece);
    expect(Buffer.concat(early).toString()).toBe(`first ${CONCEAL_MASK}\n`);
  });

  it.runIf(available)("filters 10 MiB of output in bounded memory", async () => {
    const command = `yes 'a line of output that is not the secret at all, sixty-four b' | head -c 10485760; printf '%s' "$${NAME}"`;
    let peakKb = 0;
    const run = await runScript(shell, dir.path, concealing(shell, VALUE, command).script, {
      whileRunning: async () => {
        const deadline = performance.now() + 20_000;
        while (performance.now() < deadline) {
          peakKb = Math.max(peakKb, ...filterMemoryKb());
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (filterMemoryKb().length === 0 && peakKb > 0) return;
        }
      },
    });
    expect(run.stdout.length).toBe(10 * 1024 * 1024 + CONCEAL_MASK.length);
    expect(run.stdout.subarray(-CONCEAL_MASK.length).toString()).toBe(CONCEAL_MASK);
    expect(peakKb).toBeGreaterThan(0);
    // Holding the whole output would take more than 10 MiB.
    expect(peakKb).toBeLessThan(8 * 1024);
  });

  it.runIf(available)("keeps the value and its encodings out of every process's argv while the command runs", async () => {
    const forms = needlesOf(VALUE).map((needle) => Buffer.from(needle, "latin1").toString("utf8"));
    const leaks: number[] = [];
    const run = await runScript(shell, dir.path, concealing(shell, VALUE, `printf '%s\\n' "$${NAME}"; sleep 1`).script, {
      whileRunning: async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        for (const form of forms) leaks.push(...processesHolding(form));
      },
    });
    expect(run.stdout.toString()).toBe(`${CONCEAL_MASK}\n`);
    expect(leaks).toEqual([]);
  });

  it.runIf(available)("leaves a value shorter than 6 characters unconcealed, and says so once", async () => {
    const run = await runScript(shell, dir.path, concealing(shell, "short", `echo "$${NAME}"; echo "$${NAME}" >&2`).script);
    expect(run.stdout.toString()).toBe("short\n");
    expect(run.stderr.toString()).toBe(`claimcheck: ${NAME} is shorter than 6 characters; the output is not concealed\nshort\n`);
  });

  it.runIf(available)("with mask false, passes the output untouched and reports nothing", async () => {
    const { script, ticket, masked } = concealing(shell, VALUE, `echo "$${NAME}"`, false);
    expect(masked).toBe(false);
    const run = await runScript(shell, dir.path, script);
    expect(run.stdout.toString()).toBe(`${VALUE}\n`);
    expect(stub.reports().filter((report) => report.ticket === ticket)).toEqual([]);
  });

  it.runIf(available)("keeps the ticket from the command, and the variables from the calling shell", async () => {
    const { script } = concealing(shell, VALUE, `printf '%s' "$cc_t" > seen-ticket; printenv ${NAME} > /dev/null && echo yes`);
    const probe = shell === "fish" ? `set -q ${NAME}; or set -q cc_t; and echo leaked` : `[ -n "\${${NAME}+x}\${cc_t+x}" ] && echo leaked`;
    const run = await runScript(shell, dir.path, `${script}\n${probe}`);
    expect(run.stdout.toString()).toBe("yes\n");
    expect(await dir.read("seen-ticket")).toBe("");
  });

  it.runIf(available)("a failed report costs one line on stderr and at most about 2 s, never the command's status", async () => {
    for (const mode of ["refuse", "hang"] as const) {
      stub.reportMode = mode;
      const run = await runScript(shell, dir.path, concealing(shell, VALUE, `echo "$${NAME}"; exit 4`).script);
      expect(run.status).toBe(4);
      expect(run.stderr.toString()).toBe(`${summary(1)}claimcheck: could not report the concealed output to claimcheck\n`);
      expect(run.elapsedMs).toBeLessThan(4_000);
    }
  });

  it.runIf(available)("a failed redemption still fails closed: the command does not run", async () => {
    stub.mode = "server-error";
    const run = await runScript(shell, dir.path, concealing(shell, VALUE, "touch ran").script);
    expect(run.status).not.toBe(0);
    expect(run.stderr.toString()).toContain(`claimcheck: redemption failed; ${NAME} is not set`);
    expect(readdirSync(dir.path)).not.toContain("ran");
  });
});

/** Resident peak (kB) of each running concealing filter: awk processes started with `n=API_KEY`. */
function filterMemoryKb(): number[] {
  const peaks: number[] = [];
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
      if (!/awk$/.test(argv[0] ?? "") || !argv.includes(`n=${NAME}`)) continue;
      const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      if (peak) peaks.push(Number(peak));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return peaks;
}
