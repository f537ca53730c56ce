// A stand-in for claimcheck's `POST /redeem`, on 127.0.0.1: each seeded ticket answers 200 with its
// value once (text/plain, no-store), then 401 JSON like an unknown ticket. Other modes answer 500,
// redirect to a "login page", or cut the body off mid-transfer. While a request is in flight the
// stub scans every process's argv for the ticket, which is when curl is alive to be caught.
//
// A pending ticket stands for one that waits for a person's approval, answered the way the Worker
// answers (src/http/error-response.ts): 503 with Retry-After and a Claimcheck-Error header while
// it waits, then the value once after approve(), or 403 for good after deny() or expire(). A poll
// never consumes anything: the value is handed out only once someone has approved.
//
// `POST /redeem/report` stands for the route a command-form snippet tells how much it concealed:
// it records each report (ticket and body) and answers as `reportMode` says.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { processesHolding } from "../support/argv-scan.ts";

export type StubMode = "normal" | "server-error" | "redirect" | "cut-off";

/** How `POST /redeem/report` answers: 204, a refusal, or not at all within the snippet's 2 s. */
export type ReportMode = "accept" | "refuse" | "hang";

/** A report as the stub received it: the ticket from its Authorization header, and the body. */
export type Report = { ticket: string; body: string; contentType: string | undefined };

/** Seconds a pending ticket asks the client to wait: the Worker says 2; 1 keeps the tests short. */
export const PENDING_RETRY_AFTER_SECONDS = 1;

/** The Claimcheck-Error headers, as the Worker writes them (`CODE: public message`). */
export const APPROVAL_ERRORS = {
  pending: "APPROVAL_PENDING: Waiting for approval; try again shortly.",
  denied: "APPROVAL_DENIED: The request for this secret was denied.",
  expired: "APPROVAL_EXPIRED: The request for this secret expired before anyone approved it.",
} as const;

export type PendingTicket = {
  ticket: string;
  /** Lets the next poll have the value, once. */
  approve(): void;
  /** Every later poll is refused with 403 APPROVAL_DENIED. */
  deny(): void;
  /** Every later poll is refused with 403 APPROVAL_EXPIRED. */
  expire(): void;
  /** How many requests carried this ticket. */
  polls(): number;
  /** When each of those requests arrived, in milliseconds (performance.now()). */
  pollTimes(): number[];
  /** The status the stub gave each of those requests, in order. */
  answers(): number[];
};

type Decision = "pending" | "approved" | "used" | "denied" | "expired";

type PendingState = { value: Buffer; decision: Decision; times: number[]; answers: number[] };

export type RedeemStub = {
  url: string;
  mode: StubMode;
  /** Registers a value and returns a fresh single-use ticket for it. */
  seed(value: string): string;
  /** Registers a value behind a ticket that waits for a decision (see PendingTicket). */
  seedPending(value: string): PendingTicket;
  /** How many redemption requests arrived. */
  requests(): number;
  /** Ids of processes whose argv held a ticket during a redemption: must stay empty. */
  argvLeaks(): number[];
  /** Where command-form snippets report what they concealed. */
  reportUrl: string;
  reportMode: ReportMode;
  /** Reports received, in order. */
  reports(): Report[];
  close(): Promise<void>;
};

function sendError(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify({ error, message: "stub refusal" }));
}

function sendValue(res: ServerResponse, value: Buffer, mode: StubMode): void {
  res.writeHead(200, {
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(value.length + (mode === "cut-off" ? 100 : 0)),
  });
  if (mode === "cut-off") {
    res.write(value);
    return void setTimeout(() => res.socket?.destroy(), 20);
  }
  res.end(value);
}

/** A poll of a pending ticket: the answer for its current decision; approval is used up once. */
function answerPending(res: ServerResponse, state: PendingState, mode: StubMode): number {
  switch (state.decision) {
    case "pending":
      sendError(res, 503, "APPROVAL_PENDING", {
        "retry-after": String(PENDING_RETRY_AFTER_SECONDS),
        "claimcheck-error": APPROVAL_ERRORS.pending,
      });
      return 503;
    case "approved":
      state.decision = "used";
      sendValue(res, state.value, mode);
      return 200;
    case "used":
      sendError(res, 401, "TICKET_INVALID");
      return 401;
    case "denied":
      sendError(res, 403, "APPROVAL_DENIED", { "claimcheck-error": APPROVAL_ERRORS.denied });
      return 403;
    case "expired":
      sendError(res, 403, "APPROVAL_EXPIRED", { "claimcheck-error": APPROVAL_ERRORS.expired });
      return 403;
  }
}

export async function startRedeemStub(): Promise<RedeemStub> {
  const values = new Map<string, Buffer>();
  const pending = new Map<string, PendingState>();
  const leaks: number[] = [];
  let requests = 0;

  function report(req: IncomingMessage, res: ServerResponse, body: string): void {
    const ticket = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    reports.push({ ticket, body, contentType: req.headers["content-type"] });
    if (stub.reportMode === "hang") return;
    if (stub.reportMode === "refuse") return sendError(res, 401, "TICKET_INVALID");
    res.writeHead(204, { "cache-control": "no-store" }).end();
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (req.method === "POST" && req.url === "/redeem/report") return report(req, res, body);
    if (req.method !== "POST" || req.url !== "/redeem") return sendError(res, 404, "NOT_FOUND");
    requests += 1;
    const ticket = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (ticket) leaks.push(...processesHolding(ticket));
    if (stub.mode === "server-error") return sendError(res, 500, "UPSTREAM_UNAVAILABLE");
    if (stub.mode === "redirect") {
      res.writeHead(302, { location: "http://127.0.0.1:9/login", "content-type": "text/plain" });
      return void res.end("please sign in");
    }
    const waiting = pending.get(ticket);
    if (waiting) {
      waiting.times.push(performance.now());
      return void waiting.answers.push(answerPending(res, waiting, stub.mode));
    }
    const value = values.get(ticket);
    if (!value) return sendError(res, 401, "TICKET_INVALID");
    values.delete(ticket);
    sendValue(res, value, stub.mode);
  }

  function newTicket(): string {
    return `cct_${randomBytes(32).toString("hex")}_${randomBytes(32).toString("base64url")}`;
  }

  const reports: Report[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk)).on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const stub: RedeemStub = {
    url: `http://127.0.0.1:${port}/redeem`,
    mode: "normal",
    reportUrl: `http://127.0.0.1:${port}/redeem/report`,
    reportMode: "accept",
    reports: () => [...reports],
    seed(value) {
      const ticket = newTicket();
      values.set(ticket, Buffer.from(value, "utf8"));
      return ticket;
    },
    seedPending(value) {
      const ticket = newTicket();
      const state: PendingState = { value: Buffer.from(value, "utf8"), decision: "pending", times: [], answers: [] };
      pending.set(ticket, state);
      // A decision is made once, as on the server: a later call cannot revive a used ticket.
      const decide = (decision: Decision) => {
        if (state.decision === "pending") state.decision = decision;
      };
      return {
        ticket,
        approve: () => decide("approved"),
        deny: () => decide("denied"),
        expire: () => decide("expired"),
        polls: () => state.times.length,
        pollTimes: () => [...state.times],
        answers: () => [...state.answers],
      };
    },
    requests: () => requests,
    argvLeaks: () => [...leaks],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stub;
}
