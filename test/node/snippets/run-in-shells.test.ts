// The POSIX and fish snippets, run for real in bash, zsh, dash (as `sh`) and fish against a stub
// of `POST /redeem`: the value arrives byte for byte, exported; every failure leaves the variable
// unset with a non-zero status; nothing in the value ever runs; the ticket is in no process's argv.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderSnippet } from "../../../src/snippets/index.ts";
import { startRedeemStub, type RedeemStub } from "./redeem-stub.ts";
import { REAL_SHELLS, makeWorkdir, probesFor, shellAvailable, type RealShell, type Workdir } from "./real-shells.ts";
import { TRICKY_VALUES } from "./tricky-values.ts";

const NAME = "API_KEY";

let stub: RedeemStub;
let dir: Workdir;

beforeAll(async () => {
  stub = await startRedeemStub();
});
afterAll(() => stub.close());
beforeEach(async () => {
  stub.mode = "normal";
  dir = await makeWorkdir();
});
afterEach(() => dir.remove());

function snippetFor(shell: RealShell, value: string, command?: string) {
  return renderSnippet({ shell, ticket: stub.seed(value), redeemUrl: stub.url, variableName: NAME, command });
}

describe.each(REAL_SHELLS)("%s snippet", (shell) => {
  const probe = probesFor(shell);
  const available = shellAvailable(shell);

  it.runIf(available)("sets the variable byte for byte and exports it, for every tricky value", async () => {
    const lines = TRICKY_VALUES.flatMap((value, i) => [
      snippetFor(shell, value).script,
      probe.status(`status-${i}`),
      probe.value(NAME, `value-${i}`),
      `printenv ${NAME} > env-${i}`,
    ]);
    const { stderr } = await dir.run(shell, lines);
    expect(stderr).toBe("");
    for (const [i, value] of TRICKY_VALUES.entries()) {
      expect(await dir.read(`status-${i}`), `status for value ${i}`).toBe("0\n");
      expect(await dir.bytes(`value-${i}`), `value ${i}`).toEqual(Buffer.from(value));
      // printenv adds one newline of its own.
      expect(await dir.bytes(`env-${i}`), `exported value ${i}`).toEqual(Buffer.from(`${value}\n`));
    }
  });

  it.runIf(available)("cleanup unsets the variable", async () => {
    const snippet = snippetFor(shell, "to be removed");
    await dir.run(shell, [snippet.script, probe.isSet(NAME, "before"), snippet.cleanup, probe.isSet(NAME, "after")]);
    expect(await dir.read("before")).toBe("set\n");
    expect(await dir.read("after")).toBe("unset\n");
  });

  it.runIf(available)("a second redemption of the same snippet fails closed: non-zero status, variable unset", async () => {
    const { script } = snippetFor(shell, "single use");
    const { stderr } = await dir.run(shell, [
      script,
      probe.status("first-status"),
      script,
      probe.status("second-status"),
      probe.isSet(NAME, "second-set"),
    ]);
    expect(await dir.read("first-status")).toBe("0\n");
    expect(await dir.read("second-status")).not.toBe("0\n");
    expect(await dir.read("second-set")).toBe("unset\n");
    expect(stderr).toContain(`${NAME} is not set`);
    expect(stderr).not.toContain("single use");
  });

  for (const mode of ["server-error", "redirect", "cut-off"] as const) {
    it.runIf(available)(`a ${mode} answer leaves no value and a non-zero status, even over an older value`, async () => {
      const { script } = snippetFor(shell, "partial-secret-value");
      stub.mode = mode;
      const setOld = shell === "fish" ? `set -gx ${NAME} old` : `${NAME}=old; export ${NAME}`;
      const { stderr } = await dir.run(shell, [setOld, script, probe.status("status"), probe.isSet(NAME, "set")]);
      expect(await dir.read("status")).not.toBe("0\n");
      expect(await dir.read("set")).toBe("unset\n");
      expect(stderr).not.toContain("partial-secret");
      expect(stderr).not.toContain("please sign in");
    });
  }

  it.runIf(available)("an empty value counts as a failure", async () => {
    await dir.run(shell, [snippetFor(shell, "").script, probe.status("status"), probe.isSet(NAME, "set")]);
    expect(await dir.read("status")).not.toBe("0\n");
    expect(await dir.read("set")).toBe("unset\n");
  });

  it.runIf(available)("never runs code found in the value", async () => {
    const canary = join(dir.path, "canary");
    const values = [
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `(touch ${canary})`,
      `'; touch ${canary}; '`,
      `"; touch ${canary}; "`,
      `\n touch ${canary}\n`,
    ];
    const lines = values.flatMap((value, i) => [snippetFor(shell, value).script, probe.value(NAME, `value-${i}`)]);
    await dir.run(shell, lines);
    for (const [i, value] of values.entries()) expect(await dir.bytes(`value-${i}`)).toEqual(Buffer.from(value));
    expect(existsSync(canary)).toBe(false);
  });

  it.runIf(available)("keeps the ticket out of every process's argv while curl runs", async () => {
    const requestsBefore = stub.requests();
    const leaksBefore = stub.argvLeaks().length;
    await dir.run(shell, [snippetFor(shell, "argv check").script, probe.status("status")]);
    expect(await dir.read("status")).toBe("0\n");
    expect(stub.requests()).toBe(requestsBefore + 1);
    expect(stub.argvLeaks().slice(leaksBefore)).toEqual([]);
  });

  describe("with a command", () => {
    it.runIf(available)("gives the value to the command only; the calling shell never has it", async () => {
      const value = "command's value: $HOME `id` \"q\"\n\n";
      const command = `printf '%s' "$${NAME}" > seen; printenv ${NAME} > seen-env`;
      const { script } = snippetFor(shell, value, command);
      await dir.run(shell, [script, probe.status("status"), probe.isSet(NAME, "after")]);
      expect(await dir.read("status")).toBe("0\n");
      expect(await dir.bytes("seen")).toEqual(Buffer.from(value));
      expect(await dir.bytes("seen-env")).toEqual(Buffer.from(`${value}\n`));
      expect(await dir.read("after")).toBe("unset\n");
    });

    it.runIf(available)("runs the agent's command as written: quotes, comments, parentheses, several lines", async () => {
      const command = [`echo 'it''s' "a \\"b\\"" $(echo '(x)') > out # a comment with ) and '`, `echo second >> out`].join("\n");
      await dir.run(shell, [snippetFor(shell, "v", command).script, probe.status("status")]);
      expect(await dir.read("status")).toBe("0\n");
      expect(await dir.read("out")).toBe(`its a "b" (x)\nsecond\n`);
    });

    it.runIf(available)("returns the command's own exit status", async () => {
      await dir.run(shell, [snippetFor(shell, "v", "sh -c 'exit 7'").script, probe.status("status")]);
      expect(await dir.read("status")).toBe("7\n");
    });

    it.runIf(available)("does not run the command when redemption fails", async () => {
      stub.mode = "server-error";
      await dir.run(shell, [snippetFor(shell, "v", "touch ran").script, probe.status("status"), probe.isSet(NAME, "set")]);
      expect(await dir.read("status")).not.toBe("0\n");
      expect(existsSync(join(dir.path, "ran"))).toBe(false);
      expect(await dir.read("set")).toBe("unset\n");
    });
  });
});
