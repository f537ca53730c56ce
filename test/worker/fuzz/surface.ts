// How the fuzz suites call the Worker and what every refusal must look like. Requests go through
// the Worker's default export (the whole stack: body limits, OAuth provider, Hono routes, /mcp),
// each raced against a bound so a hang fails the property instead of stalling the run.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const PUBLIC_URL = "https://claimcheck.test";

/** Longest a local request may take, body included; anything slower counts as a hang. */
export const REQUEST_BOUND_MS = 5_000;

export type Answer = { status: number; headers: Headers; body: string };

/** One request to the Worker; `path` may carry a raw query string. Redirects are not followed. */
export async function hit(path: string, init: RequestInit = {}): Promise<Answer> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_BOUND_MS} ms: ${init.method ?? "GET"} ${path.slice(0, 80)}`)), REQUEST_BOUND_MS);
  });
  const answer = (async () => {
    const res = await exports.default.fetch(new Request(`${PUBLIC_URL}${path}`, { redirect: "manual", ...init }));
    return { status: res.status, headers: res.headers, body: await res.text() };
  })();
  try {
    return await Promise.race([answer, bound]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** What must never reach a client: stack frames, source paths, raw exception dumps. */
const INTERNALS = [/\n\s+at /, /\/src\//, /node_modules/, /\.[jt]s:\d+/, /\b\w*Error: /, /workerd/];

export function expectNoInternals(answer: Answer): void {
  for (const pattern of INTERNALS) expect(answer.body, `${answer.status} body matches ${pattern}`).not.toMatch(pattern);
}

/** A refusal: 4xx, never 5xx. */
export function expectRefused(answer: Answer): void {
  expect(answer.status, answer.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(answer.status, answer.body.slice(0, 300)).toBeLessThan(500);
}

/** A JSON refusal with a string `error` (claimcheck's `{error, message}` or OAuth's `{error, error_description}`). */
export function expectJsonError(answer: Answer): void {
  expectRefused(answer);
  expectNoInternals(answer);
  expect(answer.headers.get("Content-Type")).toMatch(/^application\/json\b/);
  const body = JSON.parse(answer.body) as { error?: unknown };
  expect(typeof body.error).toBe("string");
}

/** A refusal for a person: the sign-in error page (HTML), or a JSON error from a layer in front of it. */
export function expectPageOrJsonError(answer: Answer): void {
  if (answer.headers.get("Content-Type")?.startsWith("application/json")) return expectJsonError(answer);
  expectRefused(answer);
  expectNoInternals(answer);
  expect(answer.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  expect(answer.body).toContain("<h1>Sign-in failed</h1>");
}

/** None of `values` (the secret-ish parts of the input) comes back in the body or a header. */
export function expectNotEchoed(answer: Answer, ...values: string[]): void {
  const headers = [...answer.headers].filter(([name]) => name !== "location").map(([, value]) => value);
  for (const value of values) {
    expect(answer.body.includes(value), `the body echoes an input of ${value.length} chars`).toBe(false);
    expect(headers.some((h) => h.includes(value)), "a header echoes the input").toBe(false);
  }
}
