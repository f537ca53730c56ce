// A stand-in for claimcheck's `POST /deposit` on 127.0.0.1, answering as the Worker does
// (src/http/deposit.ts): the body is the ticket, one line break, then the value's bytes. Each
// seeded ticket stores one value, then answers 401 like an unknown ticket. A pending ticket waits
// for a person: probes (`Claimcheck-Deposit: probe`, body = ticket line) get 503 + Retry-After
// until approve(), then 204; 403 after deny() or expire(). Probes consume nothing. Every request
// is recorded byte for byte, and while it is in flight the stub scans every process's argv for
// the ticket and for any text the test asked it to watch (a value), when curl is alive to be caught.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { processesHolding } from "../support/argv-scan.ts";
import { APPROVAL_ERRORS, PENDING_RETRY_AFTER_SECONDS } from "./redeem-stub.ts";

export type DepositStubMode = "normal" | "server-error" | "redirect" | "too-large";

/** What the Worker answers on success: one line naming what was stored, never the value. */
export const STORED_LINE = "claimcheck: stored Payments/agents/stripe-key password\n";

/** The Claimcheck-Error headers of the refusals the stub gives, as the Worker writes them. */
export const DEPOSIT_ERRORS = {
  invalid: "TICKET_INVALID: The ticket is invalid, expired or already used.",
  upstream: "UPSTREAM_UNAVAILABLE: Secret Server is unavailable; try again shortly.",
  tooLarge: "PAYLOAD_TOO_LARGE: The value is larger than 65536 bytes (DEPOSIT_MAX_BYTES); nothing was stored.",
} as const;

/** One request as it arrived. */
export type ReceivedRequest = { ticket: string; probe: boolean; body: Buffer; contentType: string | undefined; status: number };

type Decision = "pending" | "approved" | "denied" | "expired";

export type PendingDeposit = {
  ticket: string;
  approve(): void;
  deny(): void;
  expire(): void;
  /** The status of each request that carried this ticket, probes and deposits, in order. */
  answers(): number[];
  /** When each of those requests arrived, in milliseconds (performance.now()). */
  times(): number[];
};

export type DepositStub = {
  url: string;
  mode: DepositStubMode;
  /** A fresh single-use ticket that may deposit at once. */
  seed(): string;
  /** A fresh ticket that waits for a decision (see PendingDeposit). */
  seedPending(): PendingDeposit;
  /** The value stored with `ticket` (the body after the ticket line), if a deposit succeeded. */
  stored(ticket: string): Buffer | undefined;
  /** Every request, in order. */
  received(): ReceivedRequest[];
  /** Also report processes whose argv holds `text` while a request is in flight. */
  watch(text: string): void;
  /** Ids of processes whose argv held a ticket or a watched text during a request: must stay empty. */
  argvLeaks(): number[];
  close(): Promise<void>;
};

type TicketState = { decision: Decision; stored?: Buffer; answers: number[]; times: number[] };

function refuse(res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): number {
  const code = reason.split(":")[0]!;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "claimcheck-error": reason, ...headers });
  res.end(JSON.stringify({ error: code, message: "stub refusal" }));
  return status;
}

/** The answer to a probe: may this ticket deposit now? */
function answerProbe(res: ServerResponse, state: TicketState): number {
  if (state.stored) return refuse(res, 401, DEPOSIT_ERRORS.invalid);
  switch (state.decision) {
    case "pending":
      return refuse(res, 503, APPROVAL_ERRORS.pending, { "retry-after": String(PENDING_RETRY_AFTER_SECONDS) });
    case "approved":
      res.writeHead(204, { "cache-control": "no-store" });
      res.end();
      return 204;
    case "denied":
      return refuse(res, 403, APPROVAL_ERRORS.denied);
    case "expired":
      return refuse(res, 403, APPROVAL_ERRORS.expired);
  }
}

/** The answer to a deposit: stored once, after approval where one is needed. */
function answerDeposit(res: ServerResponse, state: TicketState, value: Buffer): number {
  if (state.decision !== "approved" || state.stored) return answerProbe(res, state);
  state.stored = value;
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(STORED_LINE);
  return 200;
}

export async function startDepositStub(): Promise<DepositStub> {
  const tickets = new Map<string, TicketState>();
  const requests: ReceivedRequest[] = [];
  const watched: string[] = [];
  const leaks: number[] = [];

  function handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    if (req.method !== "POST" || req.url !== "/deposit") return void refuse(res, 404, "ROUTE_NOT_FOUND: No such endpoint.");
    const lineEnd = body.indexOf(0x0a);
    const ticket = lineEnd < 0 ? "" : body.subarray(0, lineEnd).toString("utf8");
    const probe = req.headers["claimcheck-deposit"] === "probe";
    for (const needle of [ticket, ...watched]) if (needle) leaks.push(...processesHolding(needle));
    const state = tickets.get(ticket);
    state?.times.push(performance.now());
    const status =
      stub.mode === "server-error"
        ? refuse(res, 500, DEPOSIT_ERRORS.upstream)
        : stub.mode === "redirect"
          ? redirect(res)
          : stub.mode === "too-large"
            ? refuse(res, 413, DEPOSIT_ERRORS.tooLarge)
            : !state
              ? refuse(res, 401, DEPOSIT_ERRORS.invalid)
              : probe
                ? answerProbe(res, state)
                : answerDeposit(res, state, body.subarray(lineEnd + 1));
    state?.answers.push(status);
    requests.push({ ticket, probe, body, contentType: req.headers["content-type"], status });
  }

  function redirect(res: ServerResponse): number {
    res.writeHead(302, { location: "http://127.0.0.1:9/login", "content-type": "text/plain" });
    res.end("please sign in");
    return 302;
  }

  function newTicket(decision: Decision): { ticket: string; state: TicketState } {
    const ticket = `ccd_${randomBytes(32).toString("hex")}_${randomBytes(32).toString("base64url")}`;
    const state: TicketState = { decision, answers: [], times: [] };
    tickets.set(ticket, state);
    return { ticket, state };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk)).on("end", () => handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const stub: DepositStub = {
    url: `http://127.0.0.1:${port}/deposit`,
    mode: "normal",
    seed: () => newTicket("approved").ticket,
    seedPending() {
      const { ticket, state } = newTicket("pending");
      // A decision is made once, as on the server.
      const decide = (decision: Decision) => {
        if (state.decision === "pending") state.decision = decision;
      };
      return {
        ticket,
        approve: () => decide("approved"),
        deny: () => decide("denied"),
        expire: () => decide("expired"),
        answers: () => [...state.answers],
        times: () => [...state.times],
      };
    },
    stored: (ticket) => tickets.get(ticket)?.stored,
    received: () => [...requests],
    watch: (text) => void watched.push(text),
    argvLeaks: () => [...leaks],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stub;
}
