// Claim tickets for the benches, minted ahead of a measured phase through the bench Worker's
// `POST /_bench/mint` (bench/worker/bench-worker.ts). Each ticket is handed out once, taking turns
// between sessions.
import { send } from "./http-client.ts";

/**
 * Tickets per session (per TicketStore). Real load comes from many sessions, one per user and
 * client; with every ticket in one session, a loaded bench would measure one Durable Object's
 * queue. Small, so 64 redemptions in flight reach dozens of stores.
 */
const TICKETS_PER_SESSION = 25;
/** Mint requests in flight at once, each for its own session. */
const PARALLEL_REQUESTS = 4;

export type TicketSupply = {
  /** The next unused ticket, or undefined when all were handed out. */
  take(): string | undefined;
  readonly size: number;
};

let sessionCounter = 0;
let minted = 0;

/** Tickets minted so far by this process: each must have its `mint` audit row. */
export function ticketsMinted(): number {
  return minted;
}

async function mintBatch(workerUrl: string, count: number): Promise<string[]> {
  const session = `s${sessionCounter++}`;
  const answer = await send(`${workerUrl}/_bench/mint?count=${count}&session=${session}`, { method: "POST" });
  if (answer.status !== 200) throw new Error(`minting ${count} tickets: HTTP ${answer.status} ${answer.body}`);
  const { tickets } = JSON.parse(answer.body) as { tickets: string[] };
  if (tickets.length !== count) throw new Error(`minting ${count} tickets returned ${tickets.length}`);
  minted += tickets.length;
  return tickets;
}

/** Ticket k of every session, then k + 1: consecutive takes land in different sessions. */
function interleave(sessions: string[][]): string[] {
  const longest = Math.max(0, ...sessions.map((s) => s.length));
  return Array.from({ length: longest }, (_, k) => sessions.flatMap((s) => (k < s.length ? [s[k]!] : []))).flat();
}

export async function mintTickets(workerUrl: string, count: number): Promise<TicketSupply> {
  const batches: number[] = [];
  for (let left = count; left > 0; left -= TICKETS_PER_SESSION) batches.push(Math.min(TICKETS_PER_SESSION, left));
  const sessions: string[][] = [];
  for (let i = 0; i < batches.length; i += PARALLEL_REQUESTS) {
    sessions.push(...(await Promise.all(batches.slice(i, i + PARALLEL_REQUESTS).map((n) => mintBatch(workerUrl, n)))));
  }
  const tickets = interleave(sessions);
  let next = 0;
  return {
    take: () => (next < tickets.length ? tickets[next++] : undefined),
    size: tickets.length,
  };
}
