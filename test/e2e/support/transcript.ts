// Everything an MCP client sent and received, for the leak scan: a fetch to hand to the SDK's
// transport (which also makes the OAuth requests through it) that keeps each request and each
// response, headers and body, as text. Bodies are read from a copy as they stream. When the client
// aborts a request (close() does), the copy is cancelled with it, keeping what had arrived: against
// wrangler dev, a cloned body was seen to stay open after the abort of a finished SSE answer, and
// waiting on it hung the run. A stream that never ends shows up as not ended rather than hanging.
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { withinMs } from "../../../dev/stack/time-limit.ts";

/** How long exchanges() waits for bodies still streaming. */
const BODY_WAIT_MS = 5_000;

export type Exchange = {
  method: string;
  url: string;
  requestHeaders: string;
  requestBody: string;
  status: number;
  responseHeaders: string;
  responseBody: string;
  /** False while the response body is still streaming: responseBody is then only its start. */
  ended: boolean;
};

export type Transcript = {
  fetch: FetchLike;
  /** Every exchange so far, after waiting a moment for bodies still streaming. */
  exchanges(): Promise<Exchange[]>;
};

type Recording = { exchange: Exchange; done: Promise<void> };

function headerText(headers: Headers): string {
  return [...headers.entries()].map(([name, value]) => `${name}: ${value}`).join("\n");
}

function bodyText(body: RequestInit["body"]): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string" || body instanceof URLSearchParams) return body.toString();
  throw new TypeError("the transcript only records string and form bodies");
}

async function readInto(exchange: Exchange, body: ReadableStream<Uint8Array> | null, signal: AbortSignal): Promise<void> {
  const decoder = new TextDecoder();
  try {
    if (body === null) return;
    const reader = body.getReader();
    const cancel = () => void reader.cancel().catch(() => undefined);
    if (signal.aborted) cancel();
    else signal.addEventListener("abort", cancel, { once: true });
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      exchange.responseBody += decoder.decode(chunk.value, { stream: true });
    }
  } catch {
    // Aborted (the client closed the stream): keep what had arrived.
  } finally {
    exchange.responseBody += decoder.decode();
    exchange.ended = true;
  }
}

export function recordTranscript(): Transcript {
  const recordings: Recording[] = [];
  const recordingFetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const requestBody = bodyText(init?.body);
    const response = await fetch(request);
    const exchange: Exchange = {
      method: request.method,
      url: request.url,
      requestHeaders: headerText(request.headers),
      requestBody,
      status: response.status,
      responseHeaders: headerText(response.headers),
      responseBody: "",
      ended: false,
    };
    recordings.push({ exchange, done: readInto(exchange, response.clone().body, request.signal) });
    return response;
  };
  return {
    fetch: recordingFetch,
    async exchanges() {
      await withinMs(Promise.all(recordings.map((r) => r.done)), BODY_WAIT_MS);
      return recordings.map((r) => ({ ...r.exchange }));
    },
  };
}
