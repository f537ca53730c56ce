// The requests the redemption bench compares, each checked for the right answer:
// - redemption: `POST /redeem` with one ticket, as the snippet's curl sends it, either through
//   wrangler dev's port or straight to the Worker's own entry (bench/worker-entry.ts);
// - direct read: the request claimcheck itself makes to Secret Server for a ticket's field
//   (src/secret-server/read-field.ts): `POST /api/v1/secrets/11/restricted/fields/password` with a
//   comment, under an access token fetched once. Same endpoint, body and answer, so the difference
//   is what the Worker adds.
// Errors carry status codes only, never a body: bodies may hold the value.
import type { Job } from "./closed-loop.ts";
import { APP_ACCOUNT } from "./bench-stack.ts";
import { send, type Answer } from "./http-client.ts";
import { mintTickets, type TicketSupply } from "./ticket-supply.ts";

const SECRET_ID = 11;
const FIELD = "password";

/** What claimcheck sends as the comment (src/secret-server/audit-comment.ts), so bodies match in size. */
const DIRECT_COMMENT = "claimcheck for bench@claimcheck.invalid, ticket 000000000000";

/** One compared path: prepared before each phase (redemptions mint their tickets), then drawn from. */
export type BenchPath = {
  readonly name: string;
  /** Makes `count` requests available; replaces whatever was left. */
  prepare(count: number): Promise<void>;
  /** The next request, or undefined when the prepared ones ran out. */
  next(): Job | undefined;
};

export type DirectReader = { read(): Promise<string> };

export async function directReader(secretServerUrl: string): Promise<DirectReader> {
  const tokenAnswer = await send(`${secretServerUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({ grant_type: "password", ...APP_ACCOUNT }).toString(),
  });
  if (tokenAnswer.status !== 200) throw new Error(`stand-in token: HTTP ${tokenAnswer.status}`);
  const { access_token: token } = JSON.parse(tokenAnswer.body) as { access_token: string };
  const url = `${secretServerUrl}/api/v1/secrets/${SECRET_ID}/restricted/fields/${FIELD}`;
  const headers = { authorization: `Bearer ${token}`, accept: "application/json", "content-type": "application/json" };
  const body = JSON.stringify({ comment: DIRECT_COMMENT });
  return {
    async read() {
      const answer = await send(url, { method: "POST", headers, body });
      if (answer.status !== 200) throw new Error(`direct read: HTTP ${answer.status}`);
      return JSON.parse(answer.body) as string;
    },
  };
}

export function directPath(name: string, reader: DirectReader, expected: string): BenchPath {
  const job: Job = async () => {
    if ((await reader.read()) !== expected) throw new Error("direct read: unexpected answer");
  };
  return { name, prepare: async () => undefined, next: () => job };
}

let agents = 0;

/**
 * A client address per redemption. Each simulated agent comes from its own address, as agents on
 * many machines would: the Worker's rate limits (600 per IP, 60 per IP and session, per 10 s) still
 * run on every request, but one bench process is not refused as a single client.
 */
export function nextAgentAddress(): string {
  const n = agents++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

let answered = 0;

/** Redemptions the Worker answered with 200 so far, in every phase: each must have its audit row. */
export function redemptionsAnswered(): number {
  return answered;
}

export async function redeem(baseUrl: string, ticket: string, extraHeaders: Record<string, string> = {}): Promise<Answer> {
  const answer = await send(`${baseUrl}/redeem`, {
    method: "POST",
    headers: { authorization: `Bearer ${ticket}`, "cf-connecting-ip": nextAgentAddress(), "user-agent": "claimcheck-bench", ...extraHeaders },
  });
  if (answer.status === 200) answered++;
  return answer;
}

/** Where redemptions go; `lost` is told when a connection was refused (the target moved). */
export type RedemptionTarget = { url(): string; lost?(): Promise<void> };

/**
 * Redemptions at `target`, tickets minted through `mintUrl`, each answer checked against
 * `expected`; `headers` go with every one (the bench Worker's switches, bench/worker/bench-worker.ts).
 */
export function redemptionPath(name: string, target: RedemptionTarget, mintUrl: string, expected: string, headers: Record<string, string> = {}): BenchPath {
  let supply: TicketSupply | undefined;
  return {
    name,
    async prepare(count) {
      supply = await mintTickets(mintUrl, count);
    },
    next() {
      const ticket = supply?.take();
      if (ticket === undefined) return undefined;
      return async () => {
        const answer = await redeem(target.url(), ticket, headers).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code === "ECONNREFUSED") await target.lost?.();
          throw new Error(`redemption: ${err.code ?? "network error"}`);
        });
        if (answer.status !== 200) throw new Error(`redemption: HTTP ${answer.status}`);
        if (answer.body !== expected) throw new Error("redemption: answer differs from the direct read");
      };
    },
  };
}
