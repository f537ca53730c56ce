// A stand-in for claimcheck's `POST /redeem`, on 127.0.0.1: each seeded ticket answers 200 with its
// value once (text/plain, no-store), then 401 JSON like an unknown ticket. Other modes answer 500,
// redirect to a "login page", or cut the body off mid-transfer. While a request is in flight the
// stub scans every process's argv for the ticket, which is when curl is alive to be caught.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { processesHolding } from "../support/argv-scan.ts";

export type StubMode = "normal" | "server-error" | "redirect" | "cut-off";

export type RedeemStub = {
  url: string;
  mode: StubMode;
  /** Registers a value and returns a fresh single-use ticket for it. */
  seed(value: string): string;
  /** How many redemption requests arrived. */
  requests(): number;
  /** Ids of processes whose argv held a ticket during a redemption: must stay empty. */
  argvLeaks(): number[];
  close(): Promise<void>;
};

function sendError(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ error, message: "stub refusal" }));
}

export async function startRedeemStub(): Promise<RedeemStub> {
  const values = new Map<string, Buffer>();
  const leaks: number[] = [];
  let requests = 0;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== "POST" || req.url !== "/redeem") return sendError(res, 404, "NOT_FOUND");
    requests += 1;
    const ticket = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (ticket) leaks.push(...processesHolding(ticket));
    if (stub.mode === "server-error") return sendError(res, 500, "UPSTREAM_UNAVAILABLE");
    if (stub.mode === "redirect") {
      res.writeHead(302, { location: "http://127.0.0.1:9/login", "content-type": "text/plain" });
      return void res.end("please sign in");
    }
    const value = values.get(ticket);
    if (!value) return sendError(res, 401, "TICKET_INVALID");
    values.delete(ticket);
    res.writeHead(200, {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "content-length": String(value.length + (stub.mode === "cut-off" ? 100 : 0)),
    });
    if (stub.mode === "cut-off") {
      res.write(value);
      return void setTimeout(() => res.socket?.destroy(), 20);
    }
    res.end(value);
  }

  const server = createServer((req, res) => req.resume().on("end", () => handle(req, res)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const stub: RedeemStub = {
    url: `http://127.0.0.1:${port}/redeem`,
    mode: "normal",
    seed(value) {
      const ticket = `cct_${randomBytes(32).toString("hex")}_${randomBytes(32).toString("base64url")}`;
      values.set(ticket, Buffer.from(value, "utf8"));
      return ticket;
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
