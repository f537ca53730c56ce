// Issue 17 end to end: the real MCP SDK client asks for a command-form snippet, bash runs it with a
// command that prints the secret (raw, base64, on stdout and stderr), and nothing of the value
// reaches the tool transcript or the command's captured output; the snippet's report leaves a
// `value_printed` audit row with the count. Against `wrangler dev`, the local OpenID provider and
// the Secret Server stand-in on 127.0.0.1.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { readAuditRows, type AuditRow } from "../support/audit-rows.ts";
import { findLeaks } from "../support/leak-scan.ts";
import { signInToMcp, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir } from "../support/shell-session.ts";
import { recordTranscript } from "../support/transcript.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD };
const MASK = "<concealed by claimcheck>";
/** The store delivers audit rows from its outbox on its alarm: long enough on a busy machine. */
const AUDIT_WAIT_MS = 20_000;

let stack: McpStack;
let alice: SignedIn;
let seeded: SeededValues;
const transcript = recordTranscript();

beforeAll(async () => {
  seeded = await loadSeededValues();
  stack = await startMcpStack({ accessPolicy: [{ groups: ["db-admins"], paths: ["db/**"] }] });
  alice = await signInToMcp(stack, ALICE, { clientName: "E2E concealing agent", fetch: transcript.fetch });
});

afterAll(async () => {
  await alice?.client.close();
  await stack?.close();
});

async function valuePrintedRow(ticketId: string): Promise<AuditRow | undefined> {
  const deadline = Date.now() + AUDIT_WAIT_MS;
  for (;;) {
    const row = (await readAuditRows(stack.worker.persistTo)).find((r) => r.event === "value_printed" && r.ticket_id === ticketId);
    if (row || Date.now() > deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("a command that prints the secret, run from a command-form snippet in bash", () => {
  it("shows the agent no value, says how often it was concealed, and the audit trail records value_printed", async () => {
    const command = [
      `echo "connecting with $PROD_PASSWORD"`,
      `printf '%s' "$PROD_PASSWORD" | base64`,
      `echo "debug: password=$PROD_PASSWORD" >&2`,
      `exit 3`,
    ].join("\n");
    const result = (await alice.client.callTool({
      name: "get_secret_environment_variable",
      arguments: { secret_path: "db/prod", shell: "bash", command },
    })) as CallToolResult & { structuredContent: { script: string; ticket_id: string; masked: boolean } };
    expect(result.isError).toBeFalsy();
    const answer = result.structuredContent;
    expect(answer.masked).toBe(true);

    const dir = await makeShellWorkdir();
    let output = "";
    try {
      const run = await dir.run("bash", [answer.script]);
      output = run.output;
      expect(run.status).toBe(3);
    } finally {
      await dir.remove();
    }
    expect(output).toContain(`connecting with ${MASK}\n`);
    expect(output).toContain(`debug: password=${MASK}\n`);
    expect(output).toContain("claimcheck: concealed 3 occurrence(s) of PROD_PASSWORD in the command's output\n");
    expect(output).not.toContain("could not report");

    const value = seeded.valueOf(11, "password");
    await alice.client.close(); // ends the open streams, so every transcript body is complete
    const exchanges = await transcript.exchanges();
    const haystacks = [
      ...exchanges.map((e, i) => ({ source: `MCP transcript #${i} ${e.method} ${e.url}`, text: JSON.stringify(e) })),
      { source: "the command's output", text: output },
    ];
    const needles = [
      { label: "db/prod password", value },
      { label: "db/prod password, base64", value: Buffer.from(value).toString("base64") },
    ];
    expect(findLeaks(haystacks, needles)).toEqual([]);

    const row = await valuePrintedRow(answer.ticket_id);
    expect(row).toMatchObject({ outcome: "ok", email: "alice@demo.test", secret_id: 11, secret_path: "db/prod", field: "password" });
    expect(row?.client_id).toBeTruthy();
    expect(row?.session).toBeTruthy();
    expect(JSON.parse(row!.detail!)).toEqual({ count: 3 });
    expect(findLeaks([{ source: "value_printed row", text: JSON.stringify(row) }], needles)).toEqual([]);
  });
});
