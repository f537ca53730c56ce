// How each supported agent is pointed at a claimcheck MCP URL: the one source of the commands
// `npm start` prints and README's "Connect your agent" table shows (a test keeps them equal).

/** A piece of an instruction: plain words, something to type or paste, or a label in the app. */
export type Phrase = string | { code: string } | { label: string };

export type AgentConnection = {
  agent: string;
  /** What adds the server: a command to run, or a file and the JSON to put in it. */
  setup: Phrase[];
  /** How to sign in afterwards, when it is not automatic. */
  signIn?: Phrase[];
};

export const MCP_SERVER_NAME = "claimcheck";

export function agentConnections(mcpUrl: string): AgentConnection[] {
  const code = (text: string) => ({ code: text });
  return [
    {
      agent: "Claude Code",
      setup: [code(`claude mcp add --transport http ${MCP_SERVER_NAME} ${mcpUrl}`)],
      signIn: [code(`claude mcp login ${MCP_SERVER_NAME}`), " in a terminal, or ", code("/mcp"), " in a session"],
    },
    {
      agent: "Codex",
      setup: [code(`codex mcp add ${MCP_SERVER_NAME} --url ${mcpUrl}`)],
      signIn: [
        code(`codex mcp login ${MCP_SERVER_NAME}`),
        " (the add starts it the first time; add ",
        code("--oauth-client-registration dcr"),
        " where metadata documents cannot be fetched)",
      ],
    },
    {
      agent: "Cursor",
      setup: [code("~/.cursor/mcp.json"), ": ", code(JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: { url: mcpUrl } } }))],
    },
    {
      agent: "VS Code (Copilot)",
      setup: [code(".vscode/mcp.json"), ": ", code(JSON.stringify({ servers: { [MCP_SERVER_NAME]: { type: "http", url: mcpUrl } } }))],
    },
    {
      agent: "MCP Inspector 2.x",
      setup: [code(`npx @modelcontextprotocol/inspector --cli ${mcpUrl} --transport http --method tools/list`)],
      signIn: ["on first use; without a TTY set ", code("MCP_AUTO_OPEN_ENABLED=true"), " and open the URL it prints"],
    },
    {
      agent: "Stdio-only clients",
      setup: [
        "through mcp-remote: ",
        code(JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: { command: "npx", args: ["-y", "mcp-remote@0.15.1", mcpUrl] } } })),
      ],
      signIn: ["open the URL mcp-remote prints (it opens a browser itself where it can)"],
    },
  ];
}

/** When an agent needs no sign-in step of its own: it asks when it first connects. */
export const SIGN_IN_ON_CONNECT = "when it first connects";

/** As Markdown inline text: code in backticks, app labels in italics. */
export function phrasesAsMarkdown(phrases: readonly Phrase[]): string {
  return phrases.map((p) => (typeof p === "string" ? p : "code" in p ? `\`${p.code}\`` : `*${p.label}*`)).join("");
}

/** As terminal text: code bare so it can be copied whole, app labels in quotes. */
export function phrasesAsText(phrases: readonly Phrase[]): string {
  return phrases.map((p) => (typeof p === "string" ? p : "code" in p ? p.code : `"${p.label}"`)).join("");
}

/** The block `npm start` prints: one agent per entry, its setup line, then how to sign in. */
export function agentConnectionsText(mcpUrl: string, indent = "  "): string {
  const connections = agentConnections(mcpUrl);
  const width = Math.max(...connections.map((c) => c.agent.length)) + 2;
  return connections
    .flatMap((c) => [
      `${indent}${c.agent.padEnd(width)}${phrasesAsText(c.setup)}`,
      ...(c.signIn === undefined ? [] : [`${indent}${" ".repeat(width)}then ${phrasesAsText(c.signIn)}`]),
    ])
    .join("\n");
}
