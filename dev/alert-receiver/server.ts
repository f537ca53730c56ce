// A small alert receiver for the local stack and the tests: it takes claimcheck's alert POSTs,
// verifies each signature, keeps what it received and, for `npm start`, prints it. Tests can make
// it misbehave for alerts whose body contains a marker (a session id): answer a status, redirect,
// hang until released, or stream an endless body. Binds 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifySignature } from "./verify-signature.ts";

export const WEBHOOK_PATH = "/alerts";
/** Alerts are small; anything bigger is refused unread past this. */
const MAX_BODY_BYTES = 64 * 1024;

export type ReceivedAlert = {
  body: string;
  /** The parsed body, or undefined when it was not JSON. */
  json: unknown;
  signature: string | undefined;
  verified: boolean;
  receivedAt: number;
};

/** How to answer alerts whose raw body contains `match`. */
export type Misbehaviour = {
  match: string;
  /** Answer with this status (default 500). */
  status?: number;
  /** Answer a redirect (307 unless `status` says otherwise) to this location. */
  redirectTo?: string;
  /** Hold the request open until /_receiver/release (or the receiver closes). */
  hang?: boolean;
  /** Answer 200 with a body that never ends. */
  endlessBody?: boolean;
};

export type AlertReceiver = {
  /** The webhook URL: give it to the Worker as ALERT_WEBHOOK_URL. */
  url: string;
  /** The receiver's origin, for its /_receiver/ control routes. */
  origin: string;
  received(): ReceivedAlert[];
  close(): Promise<void>;
};

export type AlertReceiverOptions = {
  port?: number;
  secret: string;
  onAlert?: (alert: ReceivedAlert) => void;
};

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function startAlertReceiver(options: AlertReceiverOptions): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = [];
  let misbehaviours: Misbehaviour[] = [];
  const hanging = new Set<ServerResponse>();
  const releaseAll = () => {
    for (const res of hanging) res.writeHead(204).end();
    hanging.clear();
  };

  function answer(res: ServerResponse, body: string): void {
    const rule = misbehaviours.find((m) => body.includes(m.match));
    if (!rule) return void res.writeHead(204).end();
    if (rule.hang) return void hanging.add(res);
    if (rule.redirectTo) return void res.writeHead(rule.status ?? 307, { Location: rule.redirectTo }).end();
    if (rule.endlessBody) {
      res.writeHead(200, { "Content-Type": "text/plain" });
      const chunk = Buffer.alloc(16 * 1024, "x");
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(chunk)), 5);
      res.on("close", () => clearInterval(drip));
      return;
    }
    res.writeHead(rule.status ?? 500).end();
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    if (req.method === "POST" && path === WEBHOOK_PATH) {
      const body = await readBody(req);
      if (body === undefined) return json(res, 413, { error: "too large" });
      const signature = req.headers["claimcheck-signature"];
      const header = Array.isArray(signature) ? signature[0] : signature;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const alert: ReceivedAlert = { body, json: parsed, signature: header, verified: verifySignature(body, header, options.secret), receivedAt: Date.now() };
      received.push(alert);
      options.onAlert?.(alert);
      return answer(res, body);
    }
    // Control routes, for tests.
    if (req.method === "GET" && path === "/_receiver/alerts") return json(res, 200, received);
    if (req.method === "POST" && path === "/_receiver/misbehave") {
      misbehaviours.push(JSON.parse((await readBody(req)) ?? "{}") as Misbehaviour);
      return json(res, 200, { ok: true });
    }
    if (req.method === "POST" && path === "/_receiver/release") {
      const body = JSON.parse((await readBody(req)) || "{}") as { match?: string };
      misbehaviours = body.match === undefined ? [] : misbehaviours.filter((m) => m.match !== body.match);
      releaseAll();
      return json(res, 200, { ok: true });
    }
    json(res, 404, { error: "not found" });
  }

  const server = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on("connection", (socket) => socket.unref());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${WEBHOOK_PATH}`,
    origin,
    received: () => [...received],
    close: () =>
      new Promise((resolve) => {
        releaseAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
