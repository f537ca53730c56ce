// What a fault run leaves where a user, an agent or an operator can see it: shell output and HTTP
// answers as the test meets them, then the MCP transcript, the Worker's output (every run of it,
// restarts included) and the audit rows. The leak scan at the end of each fault file searches all
// of it for seeded values, the Worker's credentials, and tickets anywhere but where they were
// handed out.
import { settledAuditRows, type AuditRow } from "../support/audit-rows.ts";
import { findLeaks, type Haystack, type Leak } from "../support/leak-scan.ts";
import type { McpStack } from "../support/mcp-stack.ts";
import { ticketsIn } from "../support/secret-tool.ts";
import type { SeededValues } from "../support/seeded-values.ts";
import type { Exchange, Transcript } from "../support/transcript.ts";

/** Seeded values shorter than this would match by chance. */
const MIN_SECRET_CHARS = 6;

/** The source name of the transcript exchange that handed a ticket out. */
export const HANDED_OUT_BY = /^MCP transcript #\d+ POST \S+\/mcp$/;

type LeftBehind = { stack: McpStack; exchanges: readonly Exchange[]; rows: readonly AuditRow[] };

export type RunEvidence = {
  keepShellOutput(source: string, output: string): void;
  /** Reads an answer whole and keeps its status, headers and body; resolves to the body. */
  keepHttpAnswer(source: string, response: Response): Promise<string>;
  /**
   * At the end of a run: closes the MCP client (ending open streams, so every transcript body is
   * complete), reads the audit rows, and answers them with every haystack: everything kept, the
   * MCP transcript, the Worker's output and the audit rows.
   */
  collect(run: { stack: McpStack; transcript: Transcript; client: { close(): Promise<void> } }): Promise<{ rows: AuditRow[]; haystacks: Haystack[] }>;
};

export function createRunEvidence(): RunEvidence {
  const kept: Haystack[] = [];
  const haystacks = ({ stack, exchanges, rows }: LeftBehind): Haystack[] => [
    ...exchanges.map((e, i) => ({ source: `MCP transcript #${i} ${e.method} ${e.url}`, text: JSON.stringify(e) })),
    { source: "Worker output", text: stack.worker.logs() },
    ...rows.map((r) => ({ source: `audit row ${r.id}`, text: JSON.stringify(r) })),
    ...kept,
  ];
  return {
    keepShellOutput(source, output) {
      kept.push({ source, text: output });
    },
    async keepHttpAnswer(source, response) {
      const body = await response.text();
      const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join("\n");
      kept.push({ source, text: `HTTP ${response.status}\n${headers}\n\n${body}` });
      return body;
    },
    async collect({ stack, transcript, client }) {
      await client.close();
      const rows = await settledAuditRows(stack.worker.persistTo);
      return { rows, haystacks: haystacks({ stack, exchanges: await transcript.exchanges(), rows }) };
    },
  };
}

/** Seeded values and the Worker's own credentials, wherever they appear. */
export function secretLeaks(haystacks: readonly Haystack[], seeded: SeededValues, stack: McpStack): Leak[] {
  const needles = [
    ...seeded.needles(MIN_SECRET_CHARS),
    ...stack.workerCredentials.map((value, i) => ({ label: `Worker credential ${i}`, value })),
  ];
  return findLeaks(haystacks, needles);
}

/** For each script handed out, the places holding its ticket or the ticket's secret part. */
export function ticketHolders(haystacks: readonly Haystack[], scripts: readonly string[]): string[][] {
  return scripts.map((script) => {
    const tickets = ticketsIn(script);
    if (tickets.length !== 1) throw new Error(`expected one ticket in a script, found ${tickets.length}`);
    const { ticket, key } = tickets[0]!;
    const leaks = findLeaks(haystacks, [
      { label: "ticket", value: ticket },
      { label: "key", value: key },
    ]);
    return [...new Set(leaks.map((l) => l.source))];
  });
}
