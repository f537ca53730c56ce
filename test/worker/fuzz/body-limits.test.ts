// Request body limits, through the whole Worker: every route that reads a body refuses one over its
// limit with a JSON 413 before any handler reads it, whether the size is declared (Content-Length)
// or only found out by reading (a stream); at or under the limit the route answers as usual.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectJsonError, expectRefused, hit, PUBLIC_URL } from "./surface";

const KIB = 1024;
const OVERSIZED_BYTES = 2 * KIB * KIB;

/** Each route, the limit it must hold to, and the headers that get a request of that route past the first checks. */
const ROUTES: { route: string; limit: number; headers: Record<string, string> }[] = [
  { route: "/redeem", limit: 1 * KIB, headers: { Authorization: "Bearer cct_not-a-ticket" } },
  { route: "/lookup", limit: 1 * KIB, headers: { Authorization: "Bearer cct_not-a-ticket" } },
  { route: "/ci/redeem", limit: 16 * KIB, headers: { Authorization: "Bearer a.b.c", "Content-Type": "application/json" } },
  { route: "/consent", limit: 4 * KIB, headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: PUBLIC_URL } },
  { route: "/oauth/token", limit: 16 * KIB, headers: { "Content-Type": "application/x-www-form-urlencoded" } },
  { route: "/oauth/register", limit: 64 * KIB, headers: { "Content-Type": "application/json" } },
  { route: "/mcp", limit: 256 * KIB, headers: { Host: new URL(PUBLIC_URL).host, "Content-Type": "application/json", Accept: "application/json, text/event-stream" } },
];

const CHUNK_BYTES = 16 * KIB;
/** How far past the limit a stream may be read: the runtime's read-ahead, a few chunks. */
const READ_AHEAD_BYTES = 4 * CHUNK_BYTES;

/** `size` bytes of `a`, as a stream with no declared length; `pulled` counts what the Worker read. */
function streamOf(size: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = Math.min(CHUNK_BYTES, size - pulled);
      if (next <= 0) return controller.close();
      pulled += next;
      controller.enqueue(new Uint8Array(next).fill(0x61));
    },
  });
  return { stream, pulled: () => pulled };
}

function send(route: string, headers: Record<string, string>, size: number, streamed: boolean) {
  const body = streamed ? streamOf(size).stream : "a".repeat(size);
  return hit(route, { method: "POST", headers, body, ...(streamed ? { duplex: "half" } : {}) } as RequestInit);
}

describe.each(ROUTES)("$route", ({ route, limit, headers }) => {
  it(`refuses a 2 MiB body with a JSON 413, declared or streamed`, async () => {
    for (const streamed of [false, true]) {
      const answer = await send(route, headers, OVERSIZED_BYTES, streamed);
      expect(answer.status, `streamed: ${streamed}`).toBe(413);
      expectJsonError(answer);
      expect(JSON.parse(answer.body)).toEqual({ error: "PAYLOAD_TOO_LARGE", message: "The request body is too large." });
    }
  });

  it(`stops reading a streamed body soon after ${limit} bytes`, async () => {
    const { stream, pulled } = streamOf(OVERSIZED_BYTES);
    const answer = await hit(route, { method: "POST", headers, body: stream, duplex: "half" } as RequestInit);
    expect(answer.status).toBe(413);
    // The runtime reads a chunk or two ahead of the Worker; the rest of the 2 MiB is never pulled.
    expect(pulled()).toBeLessThanOrEqual(limit + READ_AHEAD_BYTES);
  });

  it(`refuses exactly the bodies over ${limit} bytes`, async () => {
    const size = fc.oneof(fc.constantFrom(0, limit, limit + 1), fc.integer({ min: 0, max: 2 * limit }));
    await fc.assert(
      fc.asyncProperty(size, fc.boolean(), async (n, streamed) => {
        const answer = await send(route, headers, n, streamed);
        if (n > limit) {
          expect(answer.status).toBe(413);
          return expectJsonError(answer);
        }
        expect(answer.status).not.toBe(413);
        expectRefused(answer);
      }),
      { numRuns: 12 },
    );
  });
});
