// Authenticated calls to Secret Server's /api/v1. A token that Secret Server rejects (401, or the
// documented 403 "Authentication failed") is replaced once and the call repeated; a second
// rejection means the app account itself is refused, which retrying will not fix.
import { ClaimcheckError } from "../errors";
import { isAuthFailure } from "./answers";
import type { TokenSource } from "./token-source";
import type { SendOptions, Transport, UpstreamAnswer } from "./transport";

export type RestApi = {
  get(path: string, query?: Record<string, string>): Promise<UpstreamAnswer>;
  post(path: string, body?: unknown, options?: SendOptions): Promise<UpstreamAnswer>;
  put(path: string, body?: unknown, options?: SendOptions): Promise<UpstreamAnswer>;
};

export function createRestApi(tokens: TokenSource, transport: Transport): RestApi {
  // A rejected token means the call was refused unprocessed, so repeating it is safe even where
  // `options` turns the transport's retries off.
  async function call(method: "GET" | "POST" | "PUT", path: string, query: Record<string, string>, body?: unknown, options?: SendOptions) {
    for (let attempt = 0; ; attempt++) {
      const { token, apiBase } = await tokens.session();
      const url = new URL(`${apiBase}/api/v1${path}`);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      const headers = {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      };
      const payload = body === undefined ? {} : { body: JSON.stringify(body) };
      const answer = await transport.send(url, { method, headers, ...payload }, options);
      if (!isAuthFailure(answer)) return answer;
      tokens.invalidate(token);
      if (attempt >= 1) {
        throw new ClaimcheckError("UPSTREAM_UNAVAILABLE", {
          detail: `Secret Server rejected a fresh token (${answer.status})`,
        });
      }
    }
  }

  return {
    get: (path, query = {}) => call("GET", path, query),
    post: (path, body, options) => call("POST", path, {}, body, options),
    put: (path, body, options) => call("PUT", path, {}, body, options),
  };
}
