// An MCP client's view of a stdio server (mcp-remote here): newline-delimited JSON-RPC on the
// child's stdin and stdout, its stderr kept for the test (where mcp-remote prints the
// authorization URL). The child runs in its own process group, stopped whole on close.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { TIMED_OUT, withinMs } from "../../../dev/stack/time-limit.ts";

export type RpcMessage = { id?: number; result?: any; error?: { code: number; message: string } };

export type StdioMcp = {
  /** Sends a request; resolves with the answer carrying its id, or rejects after `timeoutMs`. */
  request(method: string, params?: unknown, timeoutMs?: number): Promise<RpcMessage>;
  notify(method: string, params?: unknown): void;
  /** Resolves with the first match of `pattern` in stderr, waiting at most `timeoutMs`. */
  stderrMatch(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  stderr(): string;
  close(): Promise<void>;
};

export function startStdioMcp(command: string, args: readonly string[], env: Record<string, string>): StdioMcp {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  let buffered = "";
  let nextId = 1;
  const waiting = new Map<number, (message: RpcMessage) => void>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 1);
      if (!line) continue;
      const message = JSON.parse(line) as RpcMessage;
      if (message.id !== undefined) waiting.get(message.id)?.(message);
    }
  });
  const write = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  return {
    async request(method, params, timeoutMs = 30_000) {
      const id = nextId++;
      const answer = new Promise<RpcMessage>((resolve) => waiting.set(id, resolve));
      write({ jsonrpc: "2.0", id, method, ...(params !== undefined && { params }) });
      const result = await withinMs(answer, timeoutMs);
      if (result === TIMED_OUT) throw new Error(`no answer to ${method} within ${timeoutMs} ms; stderr:\n${err.slice(-2000)}`);
      return result;
    },
    notify(method, params) {
      write({ jsonrpc: "2.0", method, ...(params !== undefined && { params }) });
    },
    async stderrMatch(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(err);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}:\n${err.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stderr: () => err,
    async close() {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        return; // already gone
      }
      if ((await withinMs(exited, 5_000)) === TIMED_OUT) process.kill(-child.pid!, "SIGKILL");
    },
  };
}
