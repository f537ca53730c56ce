// Deposit snippets run for real in bash, zsh, dash (as `sh`) and fish against a stub of
// `POST /deposit`: from a pipe, a variable or a file, the server receives exactly the ticket, one
// line feed and the value's bytes; the snippet prints the server's one line and succeeds. A missing
// source fails before anything is sent; every HTTP failure exits non-zero with the server's reason
// and one failure line; neither the ticket nor the value is in any process's argv.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderDepositSnippet, type DepositSource } from "../../../src/snippets/index.ts";
import { DEPOSIT_ERRORS, STORED_LINE, startDepositStub, type DepositStub } from "./deposit-stub.ts";
import { CURL_CAN_WAIT, REAL_SHELLS, makeWorkdir, probesFor, shellAvailable, type RealShell, type Workdir } from "./real-shells.ts";
import { TRICKY_VALUES } from "./tricky-values.ts";

const FAILED = "claimcheck: deposit failed; nothing was stored";
const SOURCES = ["stdin", "env", "file"] as const;
type SourceKind = (typeof SOURCES)[number];

let stub: DepositStub;
beforeAll(async () => {
  stub = await startDepositStub();
});
// Tests that change the mode run one at a time; every test starts from a stub that answers normally.
beforeEach(() => {
  stub.mode = "normal";
});
afterAll(async () => {
  expect(stub.argvLeaks()).toEqual([]);
  await stub.close();
});

// Each test has its own working directory (some run concurrently).
const test = it.extend<{ dir: Workdir }>({
  // The empty pattern is how vitest learns this fixture needs no other fixture.
  dir: async ({}, use) => {
    const dir = await makeWorkdir();
    await use(dir);
    await dir.remove();
  },
});

function sourceOf(kind: SourceKind, i: number): DepositSource {
  return kind === "stdin" ? { kind } : kind === "env" ? { kind, name: `DEPOSIT_VALUE_${i}` } : { kind, path: `value-${i}` };
}

/**
 * The value `i` is placed where its source reads it (a file, which a pipe reads with `cat`, or an
 * environment variable), and the line that runs `script` as a user would.
 */
async function place(dir: Workdir, kind: SourceKind, i: number, value: string | Buffer, script: string, env: Record<string, string>) {
  if (kind === "env") env[`DEPOSIT_VALUE_${i}`] = value.toString();
  else await writeFile(join(dir.path, `value-${i}`), value);
  return kind === "stdin" ? `cat value-${i} |${script}` : script;
}

function received(ticket: string) {
  return stub.received().filter((request) => request.ticket === ticket);
}

describe.each(REAL_SHELLS)("%s deposit snippet", (shell) => {
  const probe = probesFor(shell);
  const available = shellAvailable(shell) && CURL_CAN_WAIT;
  const render = (ticket: string, source: DepositSource, approval?: { url: string; waitSeconds: number }) =>
    renderDepositSnippet({ shell, ticket, depositUrl: stub.url, source, approval }).script;

  describe.each(SOURCES)("from %s", (kind) => {
    test.runIf(available)("sends the ticket, one line feed and the value's bytes exactly, for every tricky value", async ({ dir }) => {
      const env: Record<string, string> = {};
      const tickets = TRICKY_VALUES.map(() => stub.seed());
      const lines: string[] = [];
      for (const [i, value] of TRICKY_VALUES.entries()) {
        lines.push(await place(dir, kind, i, value, render(tickets[i]!, sourceOf(kind, i)), env), probe.status(`status-${i}`));
      }
      const { stdout, stderr } = await dir.run(shell, lines, { env });

      expect(stderr).toBe("");
      expect(stdout).toBe(STORED_LINE.repeat(TRICKY_VALUES.length));
      for (const [i, value] of TRICKY_VALUES.entries()) {
        expect(await dir.read(`status-${i}`), `status for value ${i}`).toBe("0\n");
        const [request, ...more] = received(tickets[i]!);
        expect(more, `one request for value ${i}`).toEqual([]);
        expect(request!.body, `body for value ${i}`).toEqual(Buffer.concat([Buffer.from(`${tickets[i]}\n`), Buffer.from(value)]));
        expect(request!.contentType).toBe("application/octet-stream");
        expect(request!.probe).toBe(false);
      }
    });

    test.runIf(available)("keeps the ticket and the value out of every process's argv", async ({ dir }) => {
      const value = `argv-watch-${kind}-${shell}-${Math.random().toString(36).slice(2)}`;
      stub.watch(value);
      const leaksBefore = stub.argvLeaks().length;
      const ticket = stub.seed();
      const env: Record<string, string> = {};
      await dir.run(shell, [await place(dir, kind, 0, value, render(ticket, sourceOf(kind, 0)), env), probe.status("status")], { env });
      expect(await dir.read("status")).toBe("0\n");
      expect(stub.stored(ticket)).toEqual(Buffer.from(value));
      expect(stub.argvLeaks().slice(leaksBefore)).toEqual([]);
    });

    if (kind !== "env") {
      test.runIf(available)("sends bytes untouched, even ones the server will refuse (NUL, invalid UTF-8)", async ({ dir }) => {
        const value = Buffer.from([0x61, 0x00, 0x62, 0xff, 0xfe, 0x0d, 0x0a, 0x0a]);
        const ticket = stub.seed();
        await dir.run(shell, [await place(dir, kind, 0, value, render(ticket, sourceOf(kind, 0)), {}), probe.status("status")]);
        expect(await dir.read("status")).toBe("0\n");
        expect(stub.stored(ticket)).toEqual(value);
      });
    }

    for (const mode of ["server-error", "too-large"] as const) {
      test.runIf(available)(`a ${mode} answer exits non-zero with the server's reason, then one failure line`, async ({ dir }) => {
        const ticket = stub.seed();
        const env: Record<string, string> = {};
        const line = await place(dir, kind, 0, "refused-value", render(ticket, sourceOf(kind, 0)), env);
        stub.mode = mode;
        const { stdout, stderr } = await dir.run(shell, [line, probe.status("status")], { env });
        const reason = mode === "server-error" ? DEPOSIT_ERRORS.upstream : DEPOSIT_ERRORS.tooLarge;
        expect(await dir.read("status")).not.toBe("0\n");
        expect(stderr).toBe(`claimcheck: ${reason}\n${FAILED}\n`);
        expect(stdout).toBe("");
        expect(stub.stored(ticket)).toBeUndefined();
      });
    }
  });

  test.runIf(available)("a redirect is a failure: non-zero, the failure line last, the page never printed", async ({ dir }) => {
    stub.mode = "redirect";
    const { stdout, stderr } = await dir.run(shell, [render(stub.seed(), { kind: "env", name: "SOME_VALUE" }), probe.status("status")], {
      env: { SOME_VALUE: "v" },
    });
    expect(await dir.read("status")).not.toBe("0\n");
    expect(stderr.endsWith(`${FAILED}\n`)).toBe(true);
    expect(`${stdout}${stderr}`).not.toContain("please sign in");
    expect(stdout).toBe("");
  });

  test.runIf(available)("a second run of the same snippet is refused and stores nothing new", async ({ dir }) => {
    const ticket = stub.seed();
    const script = render(ticket, { kind: "env", name: "FIRST" });
    const { stdout, stderr } = await dir.run(shell, [script, probe.status("first"), script, probe.status("second")], {
      env: { FIRST: "first value" },
    });
    expect(await dir.read("first")).toBe("0\n");
    expect(await dir.read("second")).not.toBe("0\n");
    expect(stdout).toBe(STORED_LINE);
    expect(stderr).toBe(`claimcheck: ${DEPOSIT_ERRORS.invalid}\n${FAILED}\n`);
    expect(stub.stored(ticket)).toEqual(Buffer.from("first value"));
  });

  const MISSING: { what: string; source: DepositSource; notice: string }[] = [
    { what: "an unset variable", source: { kind: "env", name: "NOT_SET_ANYWHERE" }, notice: "claimcheck: NOT_SET_ANYWHERE is not set" },
    { what: "an empty variable", source: { kind: "env", name: "EMPTY_VALUE" }, notice: "claimcheck: EMPTY_VALUE is empty" },
    { what: "a missing file", source: { kind: "file", path: "no such file" }, notice: "claimcheck: cannot read no such file" },
    { what: "a directory", source: { kind: "file", path: "a-directory" }, notice: "claimcheck: cannot read a-directory" },
  ];
  for (const { what, source, notice } of MISSING) {
    for (const approval of [undefined, { url: "https://claimcheck.example.com/approvals/x", waitSeconds: 60 }]) {
      test.runIf(available)(`${what} fails before anything is sent${approval ? ", before the wait too" : ""}, saying which`, async ({ dir }) => {
        await mkdir(join(dir.path, "a-directory"));
        const ticket = stub.seed();
        const { stdout, stderr } = await dir.run(shell, [render(ticket, source, approval), probe.status("status")], { env: { EMPTY_VALUE: "" } });
        expect(await dir.read("status")).not.toBe("0\n");
        expect(stderr).toBe(`${notice}\n${FAILED}\n`);
        expect(stdout).toBe("");
        expect(received(ticket)).toEqual([]);
      });
    }
  }

  test.runIf(available)("takes the path as written: nothing in it is expanded or run", async ({ dir }) => {
    // Relative to the working directory, where the script runs: a `touch canary` that ran would show.
    const names = [`it's a "file" with spaces`, "$HOME and `touch canary`", "$(touch canary)", "(touch canary)", "~", "-n", "back\\slash \\n", "é 日本 😀", "semi; & | > <", "*"];
    const tickets = names.map(() => stub.seed());
    const lines: string[] = [];
    for (const [i, name] of names.entries()) {
      await writeFile(join(dir.path, name), `value of file ${i}`);
      lines.push(render(tickets[i]!, { kind: "file", path: name }), probe.status(`status-${i}`));
    }
    const { stderr } = await dir.run(shell, lines);
    expect(stderr).toBe("");
    for (const [i] of names.entries()) {
      expect(await dir.read(`status-${i}`), `status for file ${i}`).toBe("0\n");
      expect(stub.stored(tickets[i]!), `value of file ${i}`).toEqual(Buffer.from(`value of file ${i}`));
    }
    expect(existsSync(join(dir.path, "canary"))).toBe(false);
  });

  test.runIf(available)("sends a variable whose name fish treats as a path list exactly as exported", async ({ dir }) => {
    const ticket = stub.seed();
    await dir.run(shell, [render(ticket, { kind: "env", name: "KEYS_PATH" }), probe.status("status")], { env: { KEYS_PATH: "a:b::c:" } });
    expect(await dir.read("status")).toBe("0\n");
    expect(stub.stored(ticket)).toEqual(Buffer.from("a:b::c:"));
  });

  test.runIf(available)("reads a pipe to its end, however slowly the command writes", async ({ dir }) => {
    const ticket = stub.seed();
    const writer = shell === "fish" ? "begin; printf 'part one '; sleep 0.4; printf 'part two'; end" : "{ printf 'part one '; sleep 0.4; printf 'part two'; }";
    await dir.run(shell, [`${writer} |${render(ticket, { kind: "stdin" })}`, probe.status("status")]);
    expect(await dir.read("status")).toBe("0\n");
    expect(stub.stored(ticket)).toEqual(Buffer.from("part one part two"));
  });
});

const APPROVAL_URL = `https://claimcheck.example.com/approvals/${"0123456789abcdef".repeat(4)}/AbCdEfGhIj-_KlMnOpQrSt`;
const APPROVAL = { url: APPROVAL_URL, waitSeconds: 60 };
const NOTICE = `claimcheck: waiting for approval: ${APPROVAL_URL}`;
/** When the test decides: between the stub's 1 s polls, after at least one refused probe. */
const DECIDE_AFTER_MS = 1_500;
/** A snippet that stops waiting at the decision ends well within this after it. */
const STOP_WITHIN_MS = 2_000;

/** Runs `lines` in `shell` and calls `decide` `afterMs` into the run, as a person would. */
async function runDeciding(dir: Workdir, shell: RealShell, lines: string[], env: Record<string, string>, decide: () => void) {
  let decidedAt = Number.POSITIVE_INFINITY;
  const timer = setTimeout(() => {
    decidedAt = performance.now();
    decide();
  }, DECIDE_AFTER_MS);
  try {
    const result = await dir.run(shell, lines, { env });
    return { ...result, decidedAt, endedAt: performance.now() };
  } finally {
    clearTimeout(timer);
  }
}

function waitingDeposit(shell: RealShell, ticket: string, source: DepositSource): string {
  return renderDepositSnippet({ shell, ticket, depositUrl: stub.url, source, approval: APPROVAL }).script;
}

describe.concurrent("deposits that wait for approval", () => {
  describe.each(REAL_SHELLS)("%s", (shell) => {
    const probe = probesFor(shell);
    const available = shellAvailable(shell) && CURL_CAN_WAIT;

    describe.each(SOURCES)("from %s", (kind) => {
      test.runIf(available)("probes while pending, consuming nothing, then deposits the value once approved", async ({ dir }) => {
        const value = "approved value: $HOME `id` \"q\" é\n\n";
        const pending = stub.seedPending();
        const env: Record<string, string> = {};
        const line = await place(dir, kind, 0, value, waitingDeposit(shell, pending.ticket, sourceOf(kind, 0)), env);
        const run = await runDeciding(dir, shell, [line, probe.status("status")], env, pending.approve);

        expect(await dir.read("status")).toBe("0\n");
        expect(run.stderr).toBe(`${NOTICE}\n`);
        expect(run.stdout).toBe(STORED_LINE);
        // Refused probes, the probe that was let through, then the one deposit.
        const answers = pending.answers();
        expect(answers.length).toBeGreaterThanOrEqual(3);
        expect(answers).toEqual([...answers.slice(0, -2).map(() => 503), 204, 200]);
        const requests = received(pending.ticket);
        const ticketLine = Buffer.from(`${pending.ticket}\n`);
        for (const request of requests.slice(0, -1)) expect(request).toMatchObject({ probe: true, body: ticketLine });
        // The pipe was left for the deposit: the probe read none of it.
        expect(requests.at(-1)).toMatchObject({ probe: false, body: Buffer.concat([ticketLine, Buffer.from(value)]) });
        expect(pending.times().at(-1)!).toBeGreaterThanOrEqual(run.decidedAt);
        expect(run.endedAt - run.decidedAt).toBeLessThan(STOP_WITHIN_MS);
      });
    });

    for (const decision of ["deny", "expire"] as const) {
      test.runIf(available)(`${decision}: stops at once, sends no value, prints the reason`, async ({ dir }) => {
        const pending = stub.seedPending();
        const line = await place(dir, "stdin", 0, "never-sent-value", waitingDeposit(shell, pending.ticket, { kind: "stdin" }), {});
        const run = await runDeciding(dir, shell, [line, probe.status("status")], {}, pending[decision]);
        const reason = decision === "deny" ? "APPROVAL_DENIED: The request for this secret was denied." : "APPROVAL_EXPIRED: The request for this secret expired before anyone approved it.";

        expect(await dir.read("status")).not.toBe("0\n");
        expect(run.stderr).toBe(`${NOTICE}\nclaimcheck: ${reason}\n${FAILED}\n`);
        expect(run.stdout).toBe("");
        expect(pending.answers()).toEqual([...pending.answers().slice(0, -1).map(() => 503), 403]);
        expect(received(pending.ticket).every((request) => request.probe)).toBe(true);
        expect(run.endedAt - run.decidedAt).toBeLessThan(STOP_WITHIN_MS);
      });
    }
  });
});
