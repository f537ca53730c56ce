// What renderDepositSnippet refuses to render, and where the ticket, the value and the path go in
// what it does render.
import { describe, expect, it } from "vitest";
import { ClaimcheckError } from "../../../src/errors.ts";
import { SHELLS, renderDepositSnippet, type DepositRequest } from "../../../src/snippets/index.ts";

const TICKET = `ccd_${"ab".repeat(32)}_${"Zz09-_".repeat(7)}Q`;
const GOOD: DepositRequest = {
  shell: "bash",
  ticket: TICKET,
  depositUrl: "https://claimcheck.example.com/deposit",
  source: { kind: "env", name: "API_KEY" },
};

function refusal(request: DepositRequest): ClaimcheckError {
  try {
    renderDepositSnippet(request);
  } catch (err) {
    expect(err).toBeInstanceOf(ClaimcheckError);
    expect((err as ClaimcheckError).code).toBe("BAD_REQUEST");
    return err as ClaimcheckError;
  }
  throw new Error("the request was rendered");
}

describe("refuses deposit requests it will not render, with BAD_REQUEST and without echoing the input", () => {
  it.each(["", "has space", "quote'd", "semi;colon", "dollar$", "new\nline", "per%cent", "x".repeat(513)])(
    "refuses the ticket %j",
    (ticket) => {
      expect(refusal({ ...GOOD, ticket }).message).toBe("ticket is malformed");
    },
  );

  it.each([
    "http://claimcheck.example.com/deposit",
    "https://user:pass@claimcheck.example.com/deposit",
    "https://claimcheck.example.com/deposit?x=1",
    "https://claimcheck.example.com/deposit#frag",
    "https://claimcheck.example.com/$(id)",
    "https://claimcheck.example.com/de%20posit",
    "not a url",
  ])("refuses the deposit URL %j, as a redeem URL would be", (depositUrl) => {
    expect(refusal({ ...GOOD, depositUrl }).message).toMatch(/^depositUrl must be https/);
  });

  it("accepts plain http on loopback only, with --proto =http", () => {
    expect(renderDepositSnippet({ ...GOOD, depositUrl: "http://127.0.0.1:8787/deposit" }).script).toContain(`--proto '=http' `);
    expect(renderDepositSnippet(GOOD).script).toContain(`--proto '=https' `);
  });

  it.each(["1ABC", "API-KEY", "$X", "", "A".repeat(129)])("refuses the source variable name %j", (name) => {
    const err = refusal({ ...GOOD, source: { kind: "env", name } });
    expect(err.message).toMatch(/^source\.name must be letters/);
    if (name) expect(err.message).not.toContain(name);
  });

  it.each(["PATH", "IFS", "PS1", "BASH_ENV", "status", "HOME"])("refuses the source name %j, as for a variable to set", (name) => {
    expect(refusal({ ...GOOD, source: { kind: "env", name } }).message).toMatch(/interprets/);
  });

  it.each(["CLAIMCHECK_DEPOSIT_TICKET", "claimcheck_deposit_nl", "CLAIMCHECK_DEPOSIT_STORED"])(
    "refuses the source name %j, which the snippet uses itself",
    (name) => {
      expect(refusal({ ...GOOD, source: { kind: "env", name } }).message).toMatch(/uses itself/);
    },
  );

  it("refuses a file path that is empty, too long, or holds NUL or a line break", () => {
    for (const path of ["", "x".repeat(4097), "a\0b", "a\nb", "a\rb"]) {
      expect(refusal({ ...GOOD, source: { kind: "file", path } }).message).toMatch(/^source\.path/);
    }
    expect(renderDepositSnippet({ ...GOOD, source: { kind: "file", path: "x".repeat(4096) } }).script).toContain("x".repeat(4096));
  });

  it("refuses an unknown source kind", () => {
    expect(refusal({ ...GOOD, source: { kind: "url" } as never }).message).toMatch(/^source must be/);
  });

  it("refuses the stdin form for cmd, saying why and what to use", () => {
    expect(refusal({ ...GOOD, shell: "cmd", source: { kind: "stdin" } }).message).toBe(
      "source stdin is not supported for cmd, which cannot pipe a value byte for byte; use env or file, or PowerShell",
    );
  });

  it.each(["100%.txt", "%USERPROFILE%\\key.txt", "wow!.txt", 'a"b'])("refuses the path %j for cmd, which would interpret it", (path) => {
    expect(refusal({ ...GOOD, shell: "cmd", source: { kind: "file", path } }).message).toMatch(/^source\.path must not contain %, ! or "/);
    expect(renderDepositSnippet({ ...GOOD, shell: "powershell", source: { kind: "file", path } }).script).toContain("ReadAllBytes");
  });

  it("refuses a source name curl cannot import for cmd (128 characters)", () => {
    const name = `A${"_".repeat(127)}`;
    expect(refusal({ ...GOOD, shell: "cmd", source: { kind: "env", name } }).message).toMatch(/at most 127 characters for cmd/);
    expect(renderDepositSnippet({ ...GOOD, source: { kind: "env", name } }).script).toContain(name);
  });

  it("refuses an approval URL outside the rules", () => {
    expect(refusal({ ...GOOD, approval: { url: "http://evil.example/a", waitSeconds: 60 } }).message).toMatch(/^approval url/);
  });
});

describe("where the ticket, the value and the path go", () => {
  const sources = [{ kind: "stdin" }, { kind: "env", name: "API_KEY" }, { kind: "file", path: "key.txt" }] as const;
  const cases = SHELLS.flatMap((shell) => sources.filter((source) => shell !== "cmd" || source.kind !== "stdin").map((source) => ({ shell, source })));

  it.each(cases)("$shell from $source.kind: the ticket is written once, by a builtin or in-process, never as a curl argument", ({ shell, source }) => {
    const { script } = renderDepositSnippet({ ...GOOD, shell, source });
    expect(script.split(TICKET)).toHaveLength(2);
    const carrier = {
      bash: `printf '%s\\n' '${TICKET}'`,
      zsh: `printf '%s\\n' '${TICKET}'`,
      sh: `printf '%s\\n' '${TICKET}'`,
      fish: `printf '%s\\n' '${TICKET}'`,
      powershell: `$token = '${TICKET}'`,
      cmd: `set "CLAIMCHECK_DEPOSIT_TICKET=${TICKET}"`,
    }[shell];
    expect(script).toContain(carrier);
    if (shell !== "powershell") expect(script).not.toMatch(new RegExp(`curl[^\\n|]*${TICKET}`));
  });

  it.each(cases)("$shell from $source.kind: the whole script is one compound command", ({ shell, source }) => {
    const { script } = renderDepositSnippet({ ...GOOD, shell, source });
    const shape = {
      bash: /^ \{ [\s\S]*; \}$/,
      zsh: /^ \{ [\s\S]*; \}$/,
      sh: /^ \{ [\s\S]*; \}$/,
      fish: /^ begin\n[\s\S]*\nend$/,
      powershell: /^& \{\n[\s\S]*\n\}$/,
      cmd: /^[^\n]*$/,
    }[shell];
    expect(script).toMatch(shape);
  });

  it("quotes the path so that nothing in it is expanded", () => {
    const path = `it's $HOME \`id\` "q" ‘x’ \\ ~ *`;
    const source = { kind: "file", path } as const;
    expect(renderDepositSnippet({ ...GOOD, source }).script).toContain(`'it'\\''s $HOME \`id\` "q" ‘x’ \\ ~ *'`);
    expect(renderDepositSnippet({ ...GOOD, shell: "fish", source }).script).toContain(`'it\\'s $HOME \`id\` "q" ‘x’ \\\\ ~ *'`);
    expect(renderDepositSnippet({ ...GOOD, shell: "powershell", source }).script).toContain(`'it''s $HOME \`id\` "q" ‘‘x’’ \\ ~ *'`);
  });
});
