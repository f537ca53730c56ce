// Speaks MCP's Streamable HTTP the way a client does: JSON-RPC over POST /mcp with a bearer
// token, answers as JSON or as one server-sent event.
import { exports } from "cloudflare:workers";
import { PUBLIC_URL } from "../auth/sign-in-driver";

export const PROTOCOL_VERSION = "2025-11-25";

export type RpcAnswer = { status: number; body: string; message: { result?: any; error?: { code: number; message: string } } | undefined };

/** What an MCP client sends with each POST; /mcp checks Host against PUBLIC_URL (DNS-rebinding defence). */
export function mcpHeaders(token: string): Record<string, string> {
  return {
    Host: new URL(PUBLIC_URL).host,
    Authorization: `Bearer ${token}`,
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
  };
}

export async function mcpPost(token: string, payload: unknown, headers: Record<string, string> = {}): Promise<RpcAnswer> {
  const res = await exports.default.fetch(`${PUBLIC_URL}/mcp`, {
    method: "POST",
    headers: { ...mcpHeaders(token), "MCP-Protocol-Version": PROTOCOL_VERSION, ...headers },
    body: JSON.stringify(payload),
  });
  const body = await res.text();
  const data = res.headers.get("Content-Type")?.startsWith("text/event-stream")
    ? body.split("\n").find((line) => line.startsWith("data: "))?.slice("data: ".length)
    : body;
  return { status: res.status, body, message: data ? JSON.parse(data) : undefined };
}

export function initialize(token: string): Promise<RpcAnswer> {
  return mcpPost(token, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "claimcheck-tests", version: "1.0.0" } },
  });
}

export function callTool(token: string, name: string, args: Record<string, unknown> = {}): Promise<RpcAnswer> {
  return mcpPost(token, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name, arguments: args } });
}
