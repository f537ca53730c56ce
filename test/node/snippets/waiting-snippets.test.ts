// Snippets for a ticket that waits for a person's approval, run for real in bash, zsh, dash (as
// `sh`) and fish against the stub's pending tickets (503 + Retry-After until someone decides).
// What a user would notice: one line saying where to approve and nothing else while curl waits;
// after approval the value arrives byte for byte, exported; after a denial or expiry the snippet
// stops at once and fails closed with the server's reason. And what the server would notice:
// curl honours Retry-After (no busy loop) and stops asking once it has an answer.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { renderSnippet } from "../../../src/snippets/index.ts";
import { APPROVAL_ERRORS, startRedeemStub, type PendingTicket, type RedeemStub } from "./redeem-stub.ts";
import { CURL_CAN_WAIT, REAL_SHELLS, makeWorkdir, probesFor, shellAvailable, type RealShell, type Workdir } from "./real-shells.ts";

const NAME = "API_KEY";
const APPROVAL_URL = `https://claimcheck.example.com/approvals/${"0123456789abcdef".repeat(4)}/AbCdEfGhIj-_KlMnOpQrSt`;
const NOTICE = `claimcheck: waiting for approval: ${APPROVAL_URL}`;
const FAILED = `claimcheck: redemption failed; ${NAME} is not set`;

/** When the test decides: between the stub's 1 s polls, after at least one refused poll. */
const DECIDE_AFTER_MS = 1_500;
/** A longer wait, for the test that measures the gaps between polls. */
const SLOW_DECISION_MS = 2_500;
/** Polls closer than this would mean curl ignored `Retry-After: 1` and asked in a loop. */
const MIN_POLL_GAP_MS = 900;
/** A snippet that stops waiting at the decision ends well within this after it. */
const STOP_WITHIN_MS = 2_000;

/** Values that break naive quoting or lose bytes in `$(…)`: they must arrive exactly. */
const WAITING_VALUES = [
  "two trailing newlines\n\n",
  `single ' and double " quotes`,
  "dollar $(id) `id` ${HOME} (id)",
  "unicode é ü 日本語 😀 \u200b",
  "line one\nline two\n",
];


let stub: RedeemStub;

beforeAll(async () => {
  stub = await startRedeemStub();
});
afterAll(() => stub.close());

// Tests run concurrently (each waits seconds, mostly idle), so each has its own working directory.
const test = it.extend<{ dir: Workdir }>({
  // The empty pattern is how vitest learns this fixture needs no other fixture.
  dir: async ({}, use) => {
    const dir = await makeWorkdir();
    await use(dir);
    await dir.remove();
  },
});

function waitingSnippet(shell: RealShell, pending: PendingTicket, command?: string) {
  return renderSnippet({
    shell,
    ticket: pending.ticket,
    redeemUrl: stub.url,
    variableName: NAME,
    approval: { url: APPROVAL_URL, waitSeconds: 60 },
    command,
  });
}

/** Runs `lines` in `shell` and calls `decide` `afterMs` into the run, as a person would. */
async function runDeciding(dir: Workdir, shell: RealShell, lines: string[], afterMs: number, decide: () => void) {
  let decidedAt = Number.NaN;
  const timer = setTimeout(() => {
    decidedAt = performance.now();
    decide();
  }, afterMs);
  try {
    const result = await dir.run(shell, lines);
    return { ...result, decidedAt, endedAt: performance.now() };
  } finally {
    clearTimeout(timer);
  }
}

function gapsBetween(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - times[i]!);
}

function setOldValue(shell: RealShell): string {
  return shell === "fish" ? `set -gx ${NAME} old-value` : `${NAME}=old-value; export ${NAME}`;
}

const REFUSALS = [
  { decision: "deny", reason: APPROVAL_ERRORS.denied, code: "APPROVAL_DENIED" },
  { decision: "expire", reason: APPROVAL_ERRORS.expired, code: "APPROVAL_EXPIRED" },
] as const;

describe.concurrent("waiting for approval", () => {
  describe.each(REAL_SHELLS)("%s snippet", (shell) => {
    const probe = probesFor(shell);
    const available = shellAvailable(shell) && CURL_CAN_WAIT;

    test.runIf(available).for(WAITING_VALUES)(
      "waits for approval, then sets the value byte for byte, exported: %j",
      async (value, { dir, expect }) => {
        const pending = stub.seedPending(value);
        const { script } = waitingSnippet(shell, pending);
        const lines = [script, probe.status("status"), probe.value(NAME, "value"), `printenv ${NAME} > env`];
        const run = await runDeciding(dir, shell, lines, DECIDE_AFTER_MS, pending.approve);

        expect(await dir.read("status")).toBe("0\n");
        expect(await dir.bytes("value")).toEqual(Buffer.from(value));
        // printenv adds one newline of its own.
        expect(await dir.bytes("env")).toEqual(Buffer.from(`${value}\n`));
        // One line says where to approve; curl's retries print nothing (no "curl: (22)", no warnings).
        expect(run.stderr).toBe(`${NOTICE}\n`);
        expect(run.stdout).toBe("");
        // It asked while pending and was refused, got the value once after approval, then stopped.
        const answers = pending.answers();
        expect(answers.length).toBeGreaterThanOrEqual(2);
        expect(answers).toEqual([...answers.slice(0, -1).map(() => 503), 200]);
        expect(pending.pollTimes().at(-1)!).toBeGreaterThanOrEqual(run.decidedAt);
        expect(run.endedAt - run.decidedAt).toBeLessThan(STOP_WITHIN_MS);
        expect(stub.argvLeaks()).toEqual([]);
      },
    );

    test.runIf(available)("honours Retry-After: never two polls closer than the server asked", async ({ dir, expect }) => {
      const pending = stub.seedPending("patient value");
      await runDeciding(dir, shell, [waitingSnippet(shell, pending).script], SLOW_DECISION_MS, pending.approve);
      const gaps = gapsBetween(pending.pollTimes());
      expect(gaps.length).toBeGreaterThanOrEqual(2);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_POLL_GAP_MS);
    });

    for (const { decision, reason, code } of REFUSALS) {
      test.runIf(available)(
        `${code}: stops at once, fails closed over an older value, prints the reason, never the value`,
        async ({ dir, expect }) => {
          const value = `refused-secret-${code}`;
          const pending = stub.seedPending(value);
          const lines = [setOldValue(shell), waitingSnippet(shell, pending).script, probe.status("status"), probe.isSet(NAME, "set")];
          const run = await runDeciding(dir, shell, lines, DECIDE_AFTER_MS, pending[decision]);

          expect(await dir.read("status")).not.toBe("0\n");
          expect(await dir.read("set")).toBe("unset\n");
          expect(run.stderr).toBe(`${NOTICE}\nclaimcheck: ${reason}\n${FAILED}\n`);
          expect(run.stdout).toBe("");
          expect(`${run.stdout}${run.stderr}`).not.toContain(value);
          // Pending answers, then one refusal: curl does not ask again after a 403.
          expect(pending.answers()).toEqual([...pending.answers().slice(0, -1).map(() => 503), 403]);
          expect(pending.answers().length).toBeGreaterThanOrEqual(2);
          expect(run.endedAt - run.decidedAt).toBeLessThan(STOP_WITHIN_MS);
        },
      );
    }

    describe("with a command", () => {
      test.runIf(available)("runs the command only after approval, with the value", async ({ dir, expect }) => {
        const value = "command's value: $HOME `id` \"q\" é\n\n";
        const pending = stub.seedPending(value);
        const command = `printenv ${NAME} | wc -c | tr -d ' ' > length; printenv ${NAME} > seen-env`;
        let ranBeforeApproval: boolean | undefined;
        const approve = () => {
          ranBeforeApproval = existsSync(join(dir.path, "length"));
          pending.approve();
        };
        const lines = [waitingSnippet(shell, pending, command).script, probe.status("status"), probe.isSet(NAME, "after")];
        const run = await runDeciding(dir, shell, lines, DECIDE_AFTER_MS, approve);

        expect(ranBeforeApproval).toBe(false);
        expect(await dir.read("status")).toBe("0\n");
        // printenv's own newline is the +1.
        expect(await dir.read("length")).toBe(`${Buffer.byteLength(value) + 1}\n`);
        expect(await dir.bytes("seen-env")).toEqual(Buffer.from(`${value}\n`));
        expect(await dir.read("after")).toBe("unset\n");
        expect(run.stderr).toBe(`${NOTICE}\n`);
        expect(pending.answers().at(-1)).toBe(200);
      });

      test.runIf(available)("does not run the command when the request is denied", async ({ dir, expect }) => {
        const pending = stub.seedPending("command-never-sees-this");
        const lines = [waitingSnippet(shell, pending, "touch ran").script, probe.status("status"), probe.isSet(NAME, "set")];
        const run = await runDeciding(dir, shell, lines, DECIDE_AFTER_MS, pending.deny);

        expect(existsSync(join(dir.path, "ran"))).toBe(false);
        expect(await dir.read("status")).not.toBe("0\n");
        expect(await dir.read("set")).toBe("unset\n");
        expect(run.stderr).toContain("APPROVAL_DENIED");
        expect(run.stderr).toContain(FAILED);
        expect(`${run.stdout}${run.stderr}`).not.toContain("command-never-sees-this");
      });
    });
  });
});
