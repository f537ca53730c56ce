// What the front door refuses before any route does its work, through the whole Worker:
// - request bodies over their route's limit: a JSON 413 before any handler reads the body, whether
//   the size is declared (Content-Length) or only found out by reading (a stream); at or under the
//   limit the route answers as usual;
// - paths and methods nobody serves, beside the ones that exist (/mcp/anything, /.well-known/anything,
//   /redeem/x, GET /consent...): a JSON 404 or 405, never a plain-text page or a 5xx.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyText, httpMethod } from "./arbitraries";
import { expectJsonError, expectNoInternals, expectRefused, hit, PUBLIC_URL } from "./surface";

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

/** Served paths, so a generated path is a near miss of a real one. */
const NEAR = ["/mcp", "/.well-known", "/redeem", "/lookup", "/ci", "/oauth", "/health", "/consent", "/callback", "/authorize"];

/** A path under a served one, or anywhere; each segment percent-encoded as a client would send it. */
const unknownPath = fc
  .tuple(fc.constantFrom(...NEAR, ""), fc.array(anyText(12), { minLength: 1, maxLength: 3 }))
  .map(([base, segments]) => `${base}/${segments.map(encodeURIComponent).join("/")}`)
  .filter((path) => !/^\/\.well-known\/oauth-(authorization-server|protected-resource)(\/mcp)?$/.test(path));

describe("unknown paths and methods", () => {
  it("answer with a JSON 404 or 405", async () => {
    await fc.assert(
      fc.asyncProperty(unknownPath, httpMethod, async (path, method) => {
        const answer = await hit(path, { method });
        if (method === "HEAD" || method === "OPTIONS") {
          // No body to check on HEAD; OPTIONS may be a CORS preflight answer (204).
          expect(answer.status).toBeLessThan(500);
          return expectNoInternals(answer);
        }
        if (path.startsWith("/mcp/") && answer.status === 401) {
          // The OAuth provider guards all of /mcp/* first; mcp.test.ts checks the JSON 404 behind it.
          expect(answer.headers.get("WWW-Authenticate")).toMatch(/^Bearer /);
          return;
        }
        expect([404, 405], `${method} ${path}: ${answer.status}`).toContain(answer.status);
        expectJsonError(answer);
      }),
      { numRuns: 100 },
    );
  });

  it("GET, PUT and DELETE on the POST-only routes are refused as JSON", async () => {
    for (const route of ["/redeem", "/lookup", "/ci/redeem", "/oauth/token", "/oauth/register"]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const answer = await hit(route, { method });
        expectRefused(answer);
        expectJsonError(answer);
      }
    }
  });
});
