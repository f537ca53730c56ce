// Node http adapter for the stand-in's fetch-style handler. Binds 127.0.0.1 only and never keeps the
// process alive on its own (tests start it inside vitest's config and may forget to close it).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SecretServerHandler, StandInStats } from "./handler.ts";
import { loadSeed, type SeedFile } from "./seed.ts";
import { createTenantRouter } from "./tenants.ts";

export type { SeedFile } from "./seed.ts";
export type { StandInStats } from "./handler.ts";
export type { FaultRequest } from "./faults.ts";

export type StartOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: "127.0.0.1";
  seed?: SeedFile;
  seedPath?: string;
  /** The root Secret Server serves only what Delinea's SDKs call (tenants: name them `sdk-only-…`). */
  sdkOnly?: boolean;
};

export type RunningSecretServer = {
  /** The root Secret Server; `${url}/t/{name}` is an independent one (see tenants.ts). */
  url: string;
  port: number;
  /** The root Secret Server's handler. */
  handler: SecretServerHandler;
  stats(): StandInStats;
  reset(): void;
  close(): Promise<void>;
};

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  if (res.destroyed) return;
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, { ...headers, "content-length": String(body.length) });
  res.end(body);
}

export async function startSecretServer(options: StartOptions = {}): Promise<RunningSecretServer> {
  const seed = options.seed ?? (await loadSeed(options.seedPath));
  const router = createTenantRouter(seed, { sdkOnly: options.sdkOnly ?? false });
  const host = options.host ?? "127.0.0.1";
  let origin = "";

  const server = createServer((req, res) => {
    toRequest(req, origin)
      .then((request) => router.fetch(request))
      .then((response) => send(res, response))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  // Keep-alive sockets from a client must not hold the process open either.
  server.on("connection", (socket) => socket.unref());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  origin = `http://${host}:${port}`;

  return {
    url: origin,
    port,
    handler: router.root,
    stats: () => router.root.stats(),
    reset: () => router.root.reset(),
    close: () =>
      new Promise<void>((resolve) => {
        router.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
