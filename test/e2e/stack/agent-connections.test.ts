// README's "Connect your agent" table and what `npm start` prints come from one list
// (dev/stack/agent-connections.ts): the table must say exactly what that list says.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentConnections, agentConnectionsText, phrasesAsMarkdown, SIGN_IN_ON_CONNECT } from "../../../dev/stack/agent-connections.ts";
import { PROJECT_ROOT } from "../../../dev/stack/wrangler-dev.ts";

const README_MCP_URL = "http://127.0.0.1:8787/mcp";

async function connectYourAgentSection(): Promise<string> {
  const readme = await readFile(join(PROJECT_ROOT, "README.md"), "utf8");
  const section = /^## Connect your agent\n([\s\S]*?)^## /m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Connect your agent" section');
  return section;
}

describe("agent connection commands", () => {
  it("are the rows of README's table, one per agent and no other", async () => {
    const section = await connectYourAgentSection();
    const table = section.slice(section.indexOf("| Agent | Add the server | Sign in |"));
    const rows = table.split("\n\n")[0]!.split("\n").slice(2);
    const expected = agentConnections(README_MCP_URL).map(
      (c) => `| ${c.agent} | ${phrasesAsMarkdown(c.setup)} | ${c.signIn ? phrasesAsMarkdown(c.signIn) : SIGN_IN_ON_CONNECT} |`,
    );
    expect(rows).toEqual(expected);
  });

  it("print every command whole, on its own line, with the stack's URL", () => {
    const url = "http://127.0.0.1:18787/mcp";
    const lines = agentConnectionsText(url).split("\n");
    expect(lines).toContain("  Claude Code         claude mcp add --transport http claimcheck http://127.0.0.1:18787/mcp");
    expect(lines.some((l) => l.startsWith(`${" ".repeat(22)}then codex mcp login claimcheck`))).toBe(true);
    expect(lines.some((l) => l.endsWith(`.vscode/mcp.json: {"servers":{"claimcheck":{"type":"http","url":"${url}"}}}`))).toBe(true);
    expect(lines.filter((l) => !l.startsWith("   "))).toHaveLength(6);
  });
});
