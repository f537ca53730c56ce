// Every outbound call to Secret Server or the Delinea Platform goes through `send`: a timeout that
// also covers reading the body, no redirects followed, a size cap, and bounded retries with
// exponential backoff and jitter for answers that say "try again". It returns the raw answer for
// the caller to interpret, or throws a ClaimcheckError when retrying did not help.
// POSTs are retried too: the reads and check-outs claimcheck sends are repeatable, and the worst a
// repeat after a timeout does is add a line to Secret Server's audit. A call that is not (filing
// an access request: a repeat files a second one for the approvers) turns retries off.
import { ClaimcheckError } from "../errors";

export type UpstreamAnswer = { status: number; headers: Headers; body: Uint8Array };

export type TransportOptions = {
  fetch: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
  timeoutMs: number;
  maxRetries: number;
};

export type SendOptions = {
  /** Overrides the transport's retries for this call; 0 for a call that must not be sent twice. */
  maxRetries?: number;
};

export type Transport = {
  send(
    url: URL,
    init: { method: "GET" | "POST" | "PUT"; headers: Record<string, string>; body?: string },
    options?: SendOptions,
  ): Promise<UpstreamAnswer>;
};

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_RETRIES = 2;
/** Larger than any field a shell variable can hold (Linux caps one at 128 KiB); more is an attack or a bug. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;
/** A Retry-After longer than this is not waited out inside a redemption: the caller is told instead. */
const MAX_RETRY_AFTER_MS = 5_000;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Seconds from a Retry-After header (delta-seconds or HTTP date), if it has a usable one. */
function retryAfterSeconds(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Full jitter: a random wait up to an exponentially growing, capped ceiling. */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function readCapped(response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_RESPONSE_BYTES || !response.body) {
    await response.body?.cancel();
    if (declared > MAX_RESPONSE_BYTES) throw tooLarge();
    return new Uint8Array();
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const tooLarge = () =>
  new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: `answer larger than ${MAX_RESPONSE_BYTES} bytes` });

type Attempt = { answer: UpstreamAnswer } | { failure: "timeout" | "network" };

export function createTransport(options: TransportOptions): Transport {
  const { fetch: doFetch, timeoutMs, maxRetries } = options;

  async function attempt(url: URL, init: Parameters<Transport["send"]>[1]): Promise<Attempt> {
    try {
      // One signal for the request and the body: a server that stalls mid-body is a timeout too.
      const response = await doFetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      return { answer: { status: response.status, headers: response.headers, body: await readCapped(response) } };
    } catch (err) {
      if (err instanceof ClaimcheckError) throw err;
      const name = (err as { name?: unknown } | null)?.name;
      return { failure: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network" };
    }
  }

  return {
    async send(url, init, sendOptions = {}) {
      const retries = sendOptions.maxRetries ?? maxRetries;
      for (let tries = 0; ; tries++) {
        const result = await attempt(url, init);
        const lastTry = tries >= retries;
        if ("failure" in result) {
          if (lastTry) {
            const detail = result.failure === "timeout" ? `no answer within ${timeoutMs} ms` : "network error";
            throw new ClaimcheckError("UPSTREAM_UNAVAILABLE", { detail: `${detail} after ${tries + 1} attempts` });
          }
          await sleep(backoffMs(tries));
          continue;
        }
        const { answer } = result;
        if (!RETRYABLE_STATUS.has(answer.status)) return answer;
        const retryAfter = retryAfterSeconds(answer.headers);
        const waitMs = retryAfter === undefined ? backoffMs(tries) : retryAfter * 1000;
        if (lastTry || waitMs > MAX_RETRY_AFTER_MS) {
          const code = answer.status === 429 ? "RATE_LIMITED" : "UPSTREAM_UNAVAILABLE";
          throw new ClaimcheckError(code, {
            detail: `Secret Server answered ${answer.status} after ${tries + 1} attempts`,
            ...(retryAfter === undefined ? {} : { retryAfter }),
          });
        }
        await sleep(waitMs);
      }
    },
  };
}
