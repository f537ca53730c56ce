// Paths and methods nobody serves, beside the ones that exist (/mcp/anything, /.well-known/anything,
// /redeem/x, GET /consent...): a JSON 404 or 405, never a plain-text page or a 5xx.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anyText, httpMethod } from "./arbitraries";
import { expectJsonError, expectNoInternals, expectRefused, hit } from "./surface";

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
