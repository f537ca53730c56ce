// Fault injection: a queue of misbehaviours that the next matching requests get instead of the real
// answer, plus a fixed latency. Only the stand-in has this; tests drive it through /_stand-in/faults.
import { z } from "zod";
import { json } from "./shapes.ts";

const faultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("status"),
    status: z.number().int().min(400).max(599),
    /** Seconds for a Retry-After header (429/503). */
    retryAfter: z.number().int().min(0).optional(),
  }),
  /** 403 with the spec's AuthenticationFailedResponse: what the spec documents for a bad token. */
  z.object({ kind: z.literal("auth-failed") }),
  /** Never answers (until the stand-in closes): the client's timeout must fire. */
  z.object({ kind: z.literal("hang") }),
  /** 200 with a JSON content type and a truncated JSON body. */
  z.object({ kind: z.literal("malformed-json") }),
  /** 200 with a syntactically valid JSON body of several megabytes. */
  z.object({ kind: z.literal("huge-body"), bytes: z.number().int().positive().max(64 * 1024 * 1024).optional() }),
  /** 200 with an HTML page: what the token endpoint does for some errors. */
  z.object({ kind: z.literal("html") }),
]);

const faultEntry = z.intersection(
  faultSchema,
  z.object({
    /** How many matching requests get this fault. */
    count: z.number().int().positive().default(1),
    /** Only requests whose path starts with this (case-insensitive) get it; default: any API request. */
    path: z.string().startsWith("/").default("/"),
    /** Only requests with this method get it (`POST /secrets` but not the searches under the same path); default: any. */
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).optional(),
  }),
);

export const faultRequestSchema = z.object({
  faults: z.array(faultEntry).default([]),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  tokenLifetimeSeconds: z.number().int().positive().optional(),
  /** Forget every issued token now, as if they had all expired. */
  expireTokens: z.boolean().optional(),
});

export type FaultRequest = z.input<typeof faultRequestSchema>;
type Fault = z.output<typeof faultEntry>;

/** How long a hung request waits before giving up on its own (tests close the stand-in sooner). */
const HANG_MS = 120_000;
const DEFAULT_HUGE_BODY_BYTES = 8 * 1024 * 1024;

export function createFaults() {
  let queue: Fault[] = [];
  let latencyMs = 0;
  const hung = new Set<() => void>();

  return {
    add(faults: Fault[]): void {
      queue.push(...faults.map((f) => ({ ...f })));
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    get latencyMs() {
      return latencyMs;
    },
    pending(): number {
      return queue.reduce((n, f) => n + f.count, 0);
    },
    clear(): void {
      queue = [];
      latencyMs = 0;
      this.releaseHung();
    },
    /** Resolves every hung request so a closing server is not held open. */
    releaseHung(): void {
      for (const release of hung) release();
      hung.clear();
    },

    /** Takes one use of the first fault matching this request's path (and method, where the fault names one). */
    take(pathname: string, method: string): Fault | undefined {
      const index = queue.findIndex(
        (f) => pathname.toLowerCase().startsWith(f.path.toLowerCase()) && (f.method === undefined || f.method === method.toUpperCase()),
      );
      if (index < 0) return undefined;
      const fault = queue[index]!;
      fault.count--;
      if (fault.count <= 0) queue.splice(index, 1);
      return fault;
    },

    async answer(fault: Fault, leakBait: string | undefined): Promise<Response> {
      switch (fault.kind) {
        case "status":
          return statusFault(fault.status, fault.retryAfter, leakBait);
        case "auth-failed":
          return json({ message: "Authentication failed" }, 403);
        case "hang":
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, HANG_MS);
            hung.add(() => {
              clearTimeout(timer);
              resolve();
            });
          });
          return json({ message: "The stand-in stopped hanging." }, 504);
        case "malformed-json":
          return new Response('{"id": 11, "name": "prod", "items": [{"slug": ', {
            headers: { "content-type": "application/json; charset=utf-8" },
          });
        case "huge-body":
          return new Response(JSON.stringify({ padding: "x".repeat(fault.bytes ?? DEFAULT_HUGE_BODY_BYTES) }), {
            headers: { "content-type": "application/json; charset=utf-8" },
          });
        case "html":
          return new Response("<html><body><h1>Secret Server</h1><p>Something went wrong.</p></body></html>", {
            headers: { "content-type": "text/html; charset=utf-8" },
          });
      }
    },
  };
}

// A 500 from Secret Server carries exception text and a stack trace. The stand-in puts a real seeded
// value in it (`leakBait`) so tests can prove the client never copies an upstream body anywhere.
function statusFault(status: number, retryAfter: number | undefined, leakBait: string | undefined): Response {
  const headers: Record<string, string> = retryAfter === undefined ? {} : { "retry-after": String(retryAfter) };
  if (status >= 500) {
    return json(
      {
        message: "An error has occurred.",
        exceptionMessage: `Unexpected state while decrypting item value '${leakBait ?? ""}'`,
        exceptionType: "System.InvalidOperationException",
        stackTrace: "   at Thycotic.SecretServer.Business.SecretItem.Decrypt()",
      },
      status,
      headers,
    );
  }
  return json({ message: `Stand-in fault ${status}.`, errorCode: "API_StandInFault" }, status, headers);
}
