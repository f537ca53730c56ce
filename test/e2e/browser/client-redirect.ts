// An MCP client's loopback redirect URI, as desktop agents open one: a tiny HTTP server on
// 127.0.0.1 that records where the browser was sent (code or error, and state) and the Referer it
// sent, and answers with a plain "you can close this window" page.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type Arrival = { url: URL; referer: string | undefined };

export type ClientRedirect = {
  /** `http://127.0.0.1:<port>/callback`, to register as the client's redirect URI. */
  uri: string;
  /** Resolves with the next request the browser is redirected to make here. */
  next(): Promise<Arrival>;
  close(): Promise<void>;
};

export async function listenForClientRedirect(): Promise<ClientRedirect> {
  let waiting: ((arrival: Arrival) => void) | undefined;
  const arrived: Arrival[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
    res.end("Signed in. You can close this window.");
    if (url.pathname !== "/callback") return; // the browser's own favicon request and the like
    const arrival = { url, referer: req.headers.referer };
    if (waiting) waiting(arrival);
    else arrived.push(arrival);
    waiting = undefined;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/callback`,
    next: () => {
      const early = arrived.shift();
      return early ? Promise.resolve(early) : new Promise((resolve) => (waiting = resolve));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
