// What renderSnippet refuses to render, and where the ticket goes in what it does render.
import { describe, expect, it } from "vitest";
import { ClaimcheckError } from "../../../src/errors.ts";
import { SHELLS, renderSnippet, type SnippetRequest } from "../../../src/snippets/index.ts";

const TICKET = `cct_${"ab".repeat(32)}_${"Zz09-_".repeat(7)}Q`;
const GOOD: SnippetRequest = {
  shell: "bash",
  ticket: TICKET,
  redeemUrl: "https://claimcheck.example.com/redeem",
  variableName: "API_KEY",
};

function refusal(request: SnippetRequest): ClaimcheckError {
  try {
    renderSnippet(request);
  } catch (err) {
    expect(err).toBeInstanceOf(ClaimcheckError);
    return err as ClaimcheckError;
  }
  throw new Error("the request was rendered");
}

describe("refuses requests it will not render, with BAD_REQUEST and without echoing the input", () => {
  it.each(["1ABC", "API-KEY", "API KEY", "API_KEY;rm", "", "é", "A".repeat(129), "$X"])(
    "refuses the variable name %j",
    (variableName) => {
      const err = refusal({ ...GOOD, variableName });
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toMatch(/^variableName/);
      if (variableName) expect(err.message).not.toContain(variableName);
    },
  );

  it.each(["PATH", "path", "IFS", "PROMPT_COMMAND", "PS1", "BASH_ENV", "ENV", "LD_PRELOAD", "HOME", "status", "ZDOTDIR", "HISTFILE", "_"])(
    "refuses the name %j, which a shell, loader or prompt interprets",
    (variableName) => {
      expect(refusal({ ...GOOD, variableName }).message).toMatch(/interprets/);
    },
  );

  it.each(["API_KEY", "_private", "a", "GITHUB_TOKEN", "PATHOLOGY", "PS10X", "DB_PASSWORD"])("accepts the name %j", (variableName) => {
    expect(renderSnippet({ ...GOOD, variableName }).variables).toEqual([variableName]);
  });

  it.each(["", "has space", "quote'd", 'dq"', "semi;colon", "dollar$", "back`tick", "new\nline", "per%cent", "x".repeat(513)])(
    "refuses the ticket %j without repeating it",
    (ticket) => {
      const err = refusal({ ...GOOD, ticket });
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toBe("ticket is malformed");
    },
  );

  it.each([
    "http://claimcheck.example.com/redeem",
    "ftp://claimcheck.example.com/redeem",
    "https://user:pass@claimcheck.example.com/redeem",
    "https://claimcheck.example.com/redeem?x=1",
    "https://claimcheck.example.com/redeem#frag",
    "https://claimcheck.example.com/re'deem",
    "https://claimcheck.example.com/re%20deem",
    "https://claimcheck.example.com/$(id)",
    "not a url",
    "//claimcheck.example.com/redeem",
  ])("refuses the redeem URL %j", (redeemUrl) => {
    const err = refusal({ ...GOOD, redeemUrl });
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toMatch(/^redeemUrl/);
  });

  it.each(["http://127.0.0.1:8787/redeem", "http://localhost:8787/redeem", "http://[::1]:8787/redeem"])(
    "accepts plain http on loopback: %s",
    (redeemUrl) => {
      expect(renderSnippet({ ...GOOD, redeemUrl }).script).toContain(`--proto '=http' `);
    },
  );

  it("uses --proto =https for an https URL", () => {
    expect(renderSnippet(GOOD).script).toContain(`--proto '=https' `);
  });

  it("refuses an unknown shell", () => {
    expect(refusal({ ...GOOD, shell: "tcsh" as never }).message).toMatch(/^shell must be one of/);
  });

  it("refuses an empty command, a command with NUL, and a multi-line command for cmd", () => {
    expect(refusal({ ...GOOD, command: "" }).message).toMatch(/^command/);
    expect(refusal({ ...GOOD, command: "a\0b" }).message).toMatch(/^command/);
    expect(refusal({ ...GOOD, shell: "cmd", command: "a\nb" }).message).toBe("command must be a single line for cmd");
    expect(refusal({ ...GOOD, shell: "cmd", command: "a\rb" }).message).toBe("command must be a single line for cmd");
    expect(renderSnippet({ ...GOOD, command: "a\nb" }).script).toContain("eval 'a\nb'");
  });

  it("refuses a command over 4096 characters", () => {
    expect(refusal({ ...GOOD, command: "x".repeat(4097) }).message).toMatch(/^command/);
  });
});

describe("where the ticket goes", () => {
  it.each(SHELLS)("%s: the ticket appears once, fed to stdin or held in-process, never as a curl argument", (shell) => {
    const { script } = renderSnippet({ ...GOOD, shell });
    expect(script.split(TICKET)).toHaveLength(2);
    const carrier = {
      bash: `echo 'Authorization: Bearer ${TICKET}' |`,
      zsh: `echo 'Authorization: Bearer ${TICKET}' |`,
      sh: `echo 'Authorization: Bearer ${TICKET}' |`,
      fish: `echo 'Authorization: Bearer ${TICKET}' |`,
      cmd: `echo Authorization: Bearer ${TICKET}^|`,
      powershell: `$token = '${TICKET}'`,
    }[shell];
    expect(script).toContain(carrier);
    if (shell !== "powershell") expect(script).toMatch(/curl(\.exe)? [^|]*-H @- /);
  });

  it.each(SHELLS)("%s: cleanup removes the variable and names no secret", (shell) => {
    const { cleanup, variables } = renderSnippet({ ...GOOD, shell });
    expect(variables).toEqual(["API_KEY"]);
    expect(cleanup).toBe(
      { bash: "unset API_KEY", zsh: "unset API_KEY", sh: "unset API_KEY", fish: "set -e API_KEY", powershell: "Remove-Item Env:API_KEY -ErrorAction Ignore", cmd: `set "API_KEY="` }[shell],
    );
  });
});
