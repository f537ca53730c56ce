// A stand-in for claimcheck's `POST /ci/redeem` on 127.0.0.1, for testing the client scripts
// without the Worker: it answers the asked secrets from a fixed map, rendered by the Worker's own
// renderer (src/ci/ci-answer.ts), so the scripts meet the exact bytes claimcheck sends. Other modes
// refuse like claimcheck does, or answer something a script must not source. While a request is
// in flight it scans every process's argv for the bearer token, which must never be there.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerFormat, renderAnswer } from "../../../src/ci/ci-answer";
import { processesHolding } from "../support/argv-scan.ts";

export type StubMode = "normal" | "refuse" | "inject" | "extra-variable";

export type CiRedeemStub = {
  url: string;
  mode: StubMode;
  /** Bodies of the requests received, parsed. */
  requests: { token: string; accept: string; body: { secrets: { path: string; field: string; name: string }[]; comment?: string } }[];
  /** Ids of processes whose argv held the bearer token during a request: must stay empty. */
  argvLeaks: number[];
  close(): Promise<void>;
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** `values` maps `path:field` to the value claimcheck would release. */
export async function startCiRedeemStub(values: Record<string, string>): Promise<CiRedeemStub> {
  const stub: CiRedeemStub = { url: "", mode: "normal", requests: [], argvLeaks: [], close: async () => undefined };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
    if (token) stub.argvLeaks.push(...processesHolding(token));
    const body = JSON.parse(await readBody(req)) as CiRedeemStub["requests"][number]["body"];
    const accept = req.headers.accept ?? "";
    stub.requests.push({ token, accept, body });
    if (req.method !== "POST" || req.url !== "/ci/redeem" || stub.mode === "refuse") {
      res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ error: "FORBIDDEN", message: "You are not allowed to access this secret." }));
      return;
    }
    const asked = Object.fromEntries(body.secrets.map((s) => [s.name, values[`${s.path}:${s.field}`] ?? ""]));
    let { body: answer, contentType } = renderAnswer(answerFormat(accept), asked);
    if (stub.mode === "inject") answer = `${answer}touch "$HOME/claimcheck-pwned"\n`;
    if (stub.mode === "extra-variable") answer = `${answer}export PATH='/nonexistent'\n`;
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(answer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return stub;
}
