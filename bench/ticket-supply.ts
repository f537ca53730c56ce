// Claim tickets for the benches, minted ahead of a measured phase through the bench Worker's
// `POST /_bench/mint` (bench/worker/bench-worker.ts). Each ticket is handed out once.
import { send } from "./http-client.ts";

/** The bench Worker's cap per request. */
const MAX_PER_REQUEST = 1_000;
/** Mint requests in flight at once, each for its own session (its own TicketStore). */
const PARALLEL_REQUESTS = 4;

export type TicketSupply = {
  /** The next unused ticket, or undefined when all were handed out. */
  take(): string | undefined;
  readonly size: number;
};

let sessionCounter = 0;

async function mintBatch(workerUrl: string, count: number): Promise<string[]> {
  const session = `s${sessionCounter++}`;
  const answer = await send(`${workerUrl}/_bench/mint?count=${count}&session=${session}`, { method: "POST" });
  if (answer.status !== 200) throw new Error(`minting ${count} tickets: HTTP ${answer.status} ${answer.body}`);
  const { tickets } = JSON.parse(answer.body) as { tickets: string[] };
  if (tickets.length !== count) throw new Error(`minting ${count} tickets returned ${tickets.length}`);
  return tickets;
}

export async function mintTickets(workerUrl: string, count: number): Promise<TicketSupply> {
  const batches: number[] = [];
  for (let left = count; left > 0; left -= MAX_PER_REQUEST) batches.push(Math.min(MAX_PER_REQUEST, left));
  const tickets: string[] = [];
  for (let i = 0; i < batches.length; i += PARALLEL_REQUESTS) {
    const minted = await Promise.all(batches.slice(i, i + PARALLEL_REQUESTS).map((n) => mintBatch(workerUrl, n)));
    tickets.push(...minted.flat());
  }
  let next = 0;
  return {
    take: () => (next < tickets.length ? tickets[next++] : undefined),
    size: tickets.length,
  };
}
