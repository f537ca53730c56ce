// The benches' HTTP client: node:http with one keep-alive pool, which costs this process about half
// what fetch does per request, so the load generator (sharing two cores with the Worker) distorts
// the figures less. The same client serves every compared path.
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

export type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

export function send(url: string, init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Closes idle keep-alive sockets so the process can exit. */
export function closeIdleConnections(): void {
  agent.destroy();
}
