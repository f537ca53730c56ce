// PowerShell and cmd cannot run here, so their snippets are pinned as reviewed fixtures: any change
// to what a Windows user runs shows up as a diff in test/fixtures/snippets/. Set
// UPDATE_SNIPPET_FIXTURES=1 to rewrite them, then review the diff.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderDepositSnippet, renderSnippet, type DepositSource, type Shell } from "../../../src/snippets/index.ts";

const FIXTURES = new URL("../../fixtures/snippets/", import.meta.url);
const TICKET = `cct_${"0123456789abcdef".repeat(4)}_${"AbCdEfGhIj-_".repeat(3)}AbCdEfG`;
const REDEEM_URL = "https://claimcheck.example.com/redeem";
const APPROVAL = { url: `https://claimcheck.example.com/approvals/${"0123456789abcdef".repeat(4)}/AbCdEfGhIj-_KlMnOpQrSt`, waitSeconds: 600 };

const REPORT_URL = "https://claimcheck.example.com/redeem/report";

const CASES: { file: string; shell: Shell; command?: string; approval?: typeof APPROVAL; mask?: boolean }[] = [
  { file: "powershell.ps1", shell: "powershell" },
  { file: "powershell-command.ps1", shell: "powershell", command: `npm run deploy -- --note 'it''s' # ‘curly’` },
  { file: "cmd.cmd", shell: "cmd" },
  { file: "cmd-command.cmd", shell: "cmd", command: `npm run deploy & echo done` },
  { file: "bash.sh", shell: "bash" },
  { file: "bash-command.sh", shell: "bash", command: `npm run deploy -- --note "it's"` },
  { file: "fish.fish", shell: "fish" },
  { file: "fish-command.fish", shell: "fish", command: `npm run deploy -- --note "it's"` },
  { file: "powershell-approval.ps1", shell: "powershell", approval: APPROVAL },
  { file: "cmd-approval.cmd", shell: "cmd", approval: APPROVAL },
  { file: "bash-approval.sh", shell: "bash", approval: APPROVAL },
  { file: "fish-approval.fish", shell: "fish", approval: APPROVAL },
  // The command forms above conceal the output (the default); these run it as it is.
  { file: "bash-command-unmasked.sh", shell: "bash", command: `npm run deploy -- --note "it's"`, mask: false },
  { file: "fish-command-unmasked.fish", shell: "fish", command: `npm run deploy -- --note "it's"`, mask: false },
  { file: "powershell-command-unmasked.ps1", shell: "powershell", command: `npm run deploy -- --note 'it''s' # ‘curly’`, mask: false },
  { file: "powershell-command-approval.ps1", shell: "powershell", command: `npm test`, approval: APPROVAL },
];

describe("rendered snippets match the reviewed fixtures", () => {
  it.each(CASES)("$file", ({ file, shell, command, approval, mask }) => {
    const snippet = renderSnippet({ shell, ticket: TICKET, redeemUrl: REDEEM_URL, reportUrl: REPORT_URL, variableName: "DEPLOY_TOKEN", command, approval, mask });
    const text = `${snippet.script}\n`;
    const path = new URL(file, FIXTURES);
    if (process.env.UPDATE_SNIPPET_FIXTURES === "1") writeFileSync(path, text);
    expect(text).toBe(readFileSync(path, "utf8"));
  });
});

const DEPOSIT_URL = "https://claimcheck.example.com/deposit";
const WINDOWS_PATH = "C:\\Users\\dev\\keys\\api key (prod) & co's ‘new’ $key^.txt";

const DEPOSIT_CASES: { file: string; shell: Shell; source: DepositSource; approval?: typeof APPROVAL }[] = [
  { file: "deposit-powershell-stdin.ps1", shell: "powershell", source: { kind: "stdin" } },
  { file: "deposit-powershell-env.ps1", shell: "powershell", source: { kind: "env", name: "STRIPE_KEY" } },
  { file: "deposit-powershell-file.ps1", shell: "powershell", source: { kind: "file", path: WINDOWS_PATH } },
  { file: "deposit-powershell-approval.ps1", shell: "powershell", source: { kind: "env", name: "STRIPE_KEY" }, approval: APPROVAL },
  { file: "deposit-cmd-env.cmd", shell: "cmd", source: { kind: "env", name: "STRIPE_KEY" } },
  { file: "deposit-cmd-file.cmd", shell: "cmd", source: { kind: "file", path: WINDOWS_PATH.replace("$key^", "key") } },
  { file: "deposit-cmd-approval.cmd", shell: "cmd", source: { kind: "file", path: "key.txt" }, approval: APPROVAL },
  { file: "deposit-bash-stdin-approval.sh", shell: "bash", source: { kind: "stdin" }, approval: APPROVAL },
  { file: "deposit-fish-file.fish", shell: "fish", source: { kind: "file", path: "keys/it's $new.txt" } },
];

describe("rendered deposit snippets match the reviewed fixtures", () => {
  it.each(DEPOSIT_CASES)("$file", ({ file, shell, source, approval }) => {
    const { script } = renderDepositSnippet({ shell, ticket: TICKET, depositUrl: DEPOSIT_URL, source, approval });
    const text = `${script}\n`;
    const path = new URL(file, FIXTURES);
    if (process.env.UPDATE_SNIPPET_FIXTURES === "1") writeFileSync(path, text);
    expect(text).toBe(readFileSync(path, "utf8"));
  });
});

describe("which command forms conceal the output", () => {
  const render = (shell: Shell, command: string | undefined, mask?: boolean) =>
    renderSnippet({ shell, ticket: TICKET, redeemUrl: REDEEM_URL, reportUrl: REPORT_URL, variableName: "DEPLOY_TOKEN", command, mask });

  it.each(["bash", "zsh", "sh", "fish", "powershell"] as const)("%s conceals by default, and not with mask false", (shell) => {
    expect(render(shell, "npm test").masked).toBe(true);
    expect(render(shell, "npm test").script).toContain("<concealed by claimcheck>");
    expect(render(shell, "npm test", false).masked).toBe(false);
    expect(render(shell, "npm test", false).script).not.toContain("<concealed by claimcheck>");
  });

  it("cmd cannot conceal: its command form says masked false", () => {
    expect(render("cmd", "npm test").masked).toBe(false);
  });

  it.each(["bash", "fish", "powershell", "cmd"] as const)("%s: the export form conceals nothing", (shell) => {
    expect(render(shell, undefined).masked).toBe(false);
  });
});
