// PowerShell and cmd cannot run here, so their snippets are pinned as reviewed fixtures: any change
// to what a Windows user runs shows up as a diff in test/fixtures/snippets/. Set
// UPDATE_SNIPPET_FIXTURES=1 to rewrite them, then review the diff.
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderSnippet, type Shell } from "../../../src/snippets/index.ts";

const FIXTURES = new URL("../../fixtures/snippets/", import.meta.url);
const TICKET = `cct_${"0123456789abcdef".repeat(4)}_${"AbCdEfGhIj-_".repeat(3)}AbCdEfG`;
const REDEEM_URL = "https://claimcheck.example.com/redeem";
const APPROVAL = { url: `https://claimcheck.example.com/approvals/${"0123456789abcdef".repeat(4)}/AbCdEfGhIj-_KlMnOpQrSt`, waitSeconds: 600 };

const CASES: { file: string; shell: Shell; command?: string; approval?: typeof APPROVAL }[] = [
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
];

describe("rendered snippets match the reviewed fixtures", () => {
  it.each(CASES)("$file", ({ file, shell, command, approval }) => {
    const snippet = renderSnippet({ shell, ticket: TICKET, redeemUrl: REDEEM_URL, variableName: "DEPLOY_TOKEN", command, approval });
    const text = `${snippet.script}\n`;
    const path = new URL(file, FIXTURES);
    if (process.env.UPDATE_SNIPPET_FIXTURES === "1") writeFileSync(path, text);
    expect(text).toBe(readFileSync(path, "utf8"));
  });
});
