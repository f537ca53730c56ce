// Ports on 127.0.0.1 for the local stack and the end-to-end tests.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

export class PortInUseError extends Error {
  readonly port: number;

  constructor(port: number, setting: string) {
    super(`Port ${port} on 127.0.0.1 is already in use. Stop what is listening there, or set ${setting} to a free port.`);
    this.name = "PortInUseError";
    this.port = port;
  }
}

async function listenOnce(port: number): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/** A port that was free a moment ago (the kernel's pick; another process could still take it). */
export async function findFreePort(): Promise<number> {
  return listenOnce(0);
}

/** Throws PortInUseError naming `setting` when something already listens on `port`. */
export async function assertPortFree(port: number, setting: string): Promise<void> {
  try {
    await listenOnce(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new PortInUseError(port, setting);
    throw err;
  }
}
