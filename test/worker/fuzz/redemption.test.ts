// Fuzzing the claim windows: POST /redeem and /lookup (Authorization headers of every shape, any
// method, body and client address) and POST /ci/redeem (JWT-ish bearers, bodies of wrong types,
// invalid UTF-8, wrong content types). Every answer is a JSON 4xx that echoes no credential.
import { base64url } from "jose";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorization, body, contentType, headerText, httpMethod, invalidUtf8, secretish, ticketLike } from "./arbitraries";
import { ciIssuer, TEST_CI_AUDIENCE } from "../ci/ci-issuer";
import { expectJsonError, expectNoInternals, expectNotEchoed, expectRefused, hit, type Answer } from "./surface";

/** A client address per run, so the per-address rate limit does not hide the routes behind 429s. */
const clientAddress = fc.oneof(fc.ipV4(), fc.ipV6(), headerText(30));

/** HEAD answers carry no body; the status and type still must be right. */
function expectJsonRefusal(method: string, answer: Answer): void {
  if (method !== "HEAD") return expectJsonError(answer);
  expectRefused(answer);
  expectNoInternals(answer);
}

describe.each(["/redeem", "/lookup"])("POST %s", (route) => {
  it("answers any Authorization header with a JSON 4xx that does not echo it", async () => {
    await fc.assert(
      fc.asyncProperty(authorization, clientAddress, async (auth, ip) => {
        const answer = await hit(route, { method: "POST", headers: { Authorization: auth.header, "CF-Connecting-IP": ip } });
        expectJsonError(answer);
        expectNotEchoed(answer, auth.secret);
      }),
      { numRuns: 100 },
    );
  });

  it("answers any method, content type and body with a JSON 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(httpMethod, fc.option(authorization), contentType, body, clientAddress, async (method, auth, type, payload, ip) => {
        const headers: Record<string, string> = { "Content-Type": type, "CF-Connecting-IP": ip };
        if (auth) headers.Authorization = auth.header;
        const hasBody = method !== "GET" && method !== "HEAD";
        const answer = await hit(route, { method, headers, body: hasBody ? (payload ?? null) : null });
        expectJsonRefusal(method, answer);
        if (auth) expectNotEchoed(answer, auth.secret);
      }),
      { numRuns: 80 },
    );
  });
});

const b64json = (value: unknown) => base64url.encode(JSON.stringify(value));

/** Issuers the fuzzer claims: a trusted one (so keys are fetched), unknown ones, and non-strings. */
const claimedIssuer = fc.oneof(
  fc.constant(ciIssuer("github").url),
  fc.webUrl(),
  fc.constantFrom("http://127.0.0.1:1/", "https://token.actions.githubusercontent.com", ""),
  fc.jsonValue({ maxDepth: 1 }),
);

const jwtHeader = fc.record(
  {
    alg: fc.oneof(fc.constantFrom("RS256", "ES256", "EdDSA", "HS256", "none", "PS512", "RSA-OAEP"), fc.jsonValue({ maxDepth: 1 })),
    kid: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
    typ: fc.constantFrom("JWT", "at+jwt", 7),
    crit: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
    jku: fc.webUrl(),
  },
  { requiredKeys: ["alg"] },
);

const jwtPayload = fc.record(
  {
    iss: claimedIssuer,
    aud: fc.oneof(fc.constant(TEST_CI_AUDIENCE), fc.array(fc.constant(TEST_CI_AUDIENCE)), fc.jsonValue({ maxDepth: 1 })),
    sub: fc.jsonValue({ maxDepth: 1 }),
    jti: fc.oneof(secretish, fc.jsonValue({ maxDepth: 1 })),
    exp: fc.oneof(fc.integer(), fc.double(), fc.string()),
    iat: fc.oneof(fc.integer(), fc.string()),
    nbf: fc.integer(),
    repository_id: fc.constant("123456789"),
  },
  { requiredKeys: ["iss"] },
);

/** JWT-ish bearer strings: forged JWTs with each part mangled, and plain junk with dots. */
const jwtish = fc.oneof(
  fc.tuple(jwtHeader, jwtPayload, secretish).map(([h, p, sig]) => `${b64json(h)}.${b64json(p)}.${sig}`),
  fc.tuple(jwtHeader, jwtPayload).map(([h, p]) => `${b64json(h)}.${b64json(p)}.`),
  fc.tuple(jwtPayload, secretish).map(([p, sig]) => `${b64json({ alg: "RS256" })}.${b64json(p)}.${sig}.${sig}`),
  fc.tuple(secretish, secretish, secretish).map((parts) => parts.join(".")),
  fc.array(secretish, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(".")),
  fc.tuple(jwtPayload, fc.integer({ min: 8_000, max: 16_000 })).map(([p, n]) => `${b64json({ alg: "RS256", kid: "k".repeat(n) })}.${b64json(p)}.x`),
);

const wanted = fc.record({ path: fc.string({ maxLength: 30 }), field: fc.string({ maxLength: 12 }), name: fc.string({ maxLength: 12 }) });

/** JSON bodies of the wrong shape: wrong types, extra keys, too many secrets, anything at all. */
const wrongBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ secrets: fc.jsonValue({ maxDepth: 3 }), comment: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
  fc.record({ secrets: fc.array(fc.oneof(wanted, fc.jsonValue({ maxDepth: 2 })), { maxLength: 60 }), extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: ["secrets"] }),
  fc.record({ secrets: fc.array(wanted, { minLength: 1, maxLength: 3 }), comment: fc.string({ maxLength: 600 }) }),
);

const WELL_FORMED_BODY = JSON.stringify({ secrets: [{ path: "Payments/stripe", field: "password", name: "STRIPE_KEY" }] });

const ciBody = fc.oneof(
  wrongBody.map((v) => JSON.stringify(v)),
  fc.constant(WELL_FORMED_BODY),
  invalidUtf8,
  fc.string({ maxLength: 200 }),
);

describe("POST /ci/redeem", () => {
  it("refuses JWT-ish bearer strings with a JSON 4xx that does not echo them", async () => {
    await fc.assert(
      // Mostly a well-formed body, so the token is what gets checked.
      fc.asyncProperty(jwtish, fc.oneof({ arbitrary: fc.constant(WELL_FORMED_BODY), weight: 4 }, ciBody), async (token, payload) => {
        const answer = await hit("/ci/redeem", {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: payload,
        });
        expectJsonError(answer);
        expectNotEchoed(answer, token, ...token.split(".").filter((part) => part.length >= 32));
      }),
      { numRuns: 80 },
    );
  });

  it("refuses bodies of the wrong type, encoding or content type, whatever the Authorization header", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(authorization, ticketLike.map((t) => ({ header: `Bearer ${t}`, secret: t }))), contentType, ciBody, async (auth, type, payload) => {
        const answer = await hit("/ci/redeem", { method: "POST", headers: { Authorization: auth.header, "Content-Type": type }, body: payload });
        expectJsonError(answer);
        expectNotEchoed(answer, auth.secret);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a valid CI token with a malformed body as a JSON 400 that names only where the problem is", async () => {
    const github = ciIssuer("github");
    await fc.assert(
      fc.asyncProperty(wrongBody, secretish, async (value, marker) => {
        // The marker rides in a value and in a key: neither may come back.
        const text = JSON.stringify(typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value, [marker]: marker } : value);
        const answer = await hit("/ci/redeem", {
          method: "POST",
          // A job on its own runner: its own address, so the per-address rate limit stays out of the way.
          headers: {
            Authorization: `Bearer ${await github.mint()}`,
            "Content-Type": "application/json",
            "CF-Connecting-IP": `10.9.${crypto.getRandomValues(new Uint8Array(2)).join(".")}`,
          },
          body: text,
        });
        expectJsonError(answer);
        expect(answer.status).toBe(400);
        expectNotEchoed(answer, marker);
      }),
      { numRuns: 40 },
    );
  });
});
