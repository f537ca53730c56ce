// Fuzzing the OAuth front door: the provider's token and registration endpoints (arbitrary forms
// and JSON) and our sign-in pages (/authorize and /callback with arbitrary query strings, /consent
// with arbitrary forms, cookies and origins). JSON endpoints answer a JSON 4xx; the pages answer
// the HTML error page (or a redirect the protocol calls for); nothing echoes a credential.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { authorizeUrl, Browser, CLIENT_REDIRECT, consentHandleOf, pkcePair, registerClient, signIn } from "../auth/sign-in-driver";
import { anyText, contentType, headerText, invalidUtf8, rarely, secretish } from "./arbitraries";
import { expectJsonError, expectNotEchoed, expectNoInternals, expectPageOrJsonError, hit, PUBLIC_URL, type Answer } from "./surface";

const IDP_ORIGIN = new URL(loadConfig(env).oidc.issuer).origin;
let clientId: string;

beforeAll(async () => {
  clientId = await registerClient();
});

/** A value that is one of the real ones (to get past the first checks), or junk. */
const clientIdValue = fc.oneof(
  { arbitrary: fc.constant("registered"), weight: 3 },
  headerText(40),
  fc.integer({ min: 513, max: 2_000 }).map((n) => "c".repeat(n)),
  fc.tuple(secretish, secretish).map(([a, b]) => `${a}:${b}`),
);
const realClientId = (value: string) => (value === "registered" ? clientId : value);

/** Credentials in the shapes the provider parses (`userId:grantId:secret`), long and short. */
const credential = fc.oneof(
  secretish.map((s) => [s, s] as const),
  fc.tuple(secretish, secretish, secretish).map(([a, b, s]) => [`${a}:${b}:${s}`, s] as const),
  fc.tuple(fc.integer({ min: 600, max: 5_000 }), secretish).map(([n, s]) => [`${"u".repeat(n)}:g:${s}`, s] as const),
);

/** Unknown parameters, and now and then a known one repeated. */
const junkParams = fc.array(
  fc.tuple(fc.oneof({ arbitrary: headerText(12), weight: 4 }, fc.constantFrom("scope", "resource", "state", "grant_type")), anyText(30)),
  { maxLength: 3 },
);

type Form = { entries: [string, string][]; secrets: string[] };

const tokenForm: fc.Arbitrary<Form> = fc
  .record({
    grantType: fc.oneof(
      { arbitrary: fc.constantFrom("authorization_code", "refresh_token"), weight: 4 },
      fc.constantFrom("client_credentials", "password", "urn:ietf:params:oauth:grant-type:jwt-bearer", ""),
      anyText(20),
    ),
    clientId: fc.option(clientIdValue, { freq: 8 }),
    code: fc.option(credential, { freq: 2 }),
    refresh: fc.option(credential, { freq: 2 }),
    clientSecret: rarely(secretish, 6),
    verifier: fc.option(secretish, { freq: 2 }),
    assertion: rarely(secretish, 10),
    redirect: fc.option(fc.oneof({ arbitrary: fc.constant(CLIENT_REDIRECT), weight: 3 }, anyText(40))),
    resource: fc.option(fc.oneof({ arbitrary: fc.constant(`${PUBLIC_URL}/mcp`), weight: 3 }, anyText(40))),
    extra: rarely(junkParams, 3).map((extra) => extra ?? []),
  })
  .map((f) => {
    const entries: [string, string][] = [["grant_type", f.grantType]];
    const secrets: string[] = [];
    if (f.clientId !== null) entries.push(["client_id", realClientId(f.clientId)]);
    if (f.code) (entries.push(["code", f.code[0]]), secrets.push(f.code[1]));
    if (f.refresh) (entries.push(["refresh_token", f.refresh[0]]), secrets.push(f.refresh[1]));
    if (f.clientSecret) (entries.push(["client_secret", f.clientSecret]), secrets.push(f.clientSecret));
    if (f.verifier) (entries.push(["code_verifier", f.verifier]), secrets.push(f.verifier));
    if (f.assertion) (entries.push(["client_assertion", f.assertion]), secrets.push(f.assertion));
    if (f.redirect !== null) entries.push(["redirect_uri", f.redirect]);
    if (f.resource !== null) entries.push(["resource", f.resource]);
    return { entries: [...entries, ...f.extra], secrets };
  });

/** Now and then an Authorization header for the token endpoint, and its secret part. */
const clientAuthorization = rarely(
  fc.oneof(
    fc.tuple(clientIdValue, secretish).map(([id, s]) => ({ header: `Basic ${btoa(`${realClientId(id)}:${s}`)}`, secret: s })),
    secretish.map((s) => ({ header: `Basic ${s}`, secret: s })),
    secretish.map((s) => ({ header: `Bearer ${s}`, secret: s })),
  ),
  6,
);

describe("POST /oauth/token", () => {
  it("refuses arbitrary forms and client credentials with a JSON 4xx that echoes no credential", async () => {
    await fc.assert(
      fc.asyncProperty(tokenForm, clientAuthorization, async (form, auth) => {
        const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
        if (auth) headers.Authorization = auth.header;
        const answer = await hit("/oauth/token", { method: "POST", headers, body: new URLSearchParams(form.entries).toString() });
        expectJsonError(answer);
        expectNotEchoed(answer, ...form.secrets, ...(auth ? [auth.secret] : []));
      }),
      { numRuns: 80 },
    );
  });

  it("refuses bodies that are not forms, in any encoding and content type", async () => {
    await fc.assert(
      fc.asyncProperty(contentType, fc.oneof(anyText(200), invalidUtf8, fc.jsonValue().map((v) => JSON.stringify(v))), async (type, body) => {
        expectJsonError(await hit("/oauth/token", { method: "POST", headers: { "Content-Type": type }, body }));
      }),
      { numRuns: 60 },
    );
  });
});

const registrationField = fc.constantFrom(
  "redirect_uris",
  "client_name",
  "token_endpoint_auth_method",
  "grant_types",
  "response_types",
  "client_uri",
  "logo_uri",
  "jwks",
  "jwks_uri",
  "scope",
  "contacts",
  "software_statement",
);

describe("POST /oauth/register", () => {
  it("answers arbitrary JSON with a registration or a JSON 4xx", async () => {
    const metadata = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(registrationField, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
      fc.dictionary(registrationField, fc.oneof(fc.array(anyText(60), { maxLength: 3 }), anyText(60)), { maxKeys: 6 }),
    );
    await fc.assert(
      fc.asyncProperty(metadata, fc.oneof(fc.constant("application/json"), contentType), async (value, type) => {
        const answer = await hit("/oauth/register", { method: "POST", headers: { "Content-Type": type }, body: JSON.stringify(value) });
        if (answer.status === 201) return void expect(JSON.parse(answer.body)).toHaveProperty("client_id");
        expectJsonError(answer);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses bodies that are not JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(invalidUtf8, anyText(100)), async (body) => {
        expectJsonError(await hit("/oauth/register", { method: "POST", headers: { "Content-Type": "application/json" }, body }));
      }),
      { numRuns: 40 },
    );
  });
});

/** A query string: known parameters with real or junk values, junk parameters, or raw junk. */
function queryOf(params: [string, string][], raw: string | null): string {
  return raw ?? new URLSearchParams(params).toString();
}

const rawQuery = rarely(fc.oneof(anyText(80), fc.constantFrom("%", "%%%", "&&&==", "a=%E0%A4%A", "=", "?a=1?b=2", "#frag")), 6);

/** A redirect is fine from a page (to the IdP, or an error back to the registered client); anything else is the error page. */
function expectPageAnswer(answer: Answer): void {
  if (answer.status === 302) {
    const location = answer.headers.get("Location")!;
    expect(location.startsWith(`${IDP_ORIGIN}/`) || location.startsWith(`${CLIENT_REDIRECT}?`), location).toBe(true);
    return expectNoInternals(answer);
  }
  expectPageOrJsonError(answer);
}

/** A binding cookie that is missing, malformed, badly percent-encoded or well formed but unknown. */
const bindingCookie = fc.option(
  fc.oneof(
    headerText(60).map((v) => `__Host-claimcheck-browser=${v}`),
    fc.constantFrom("__Host-claimcheck-browser=%E0%A4%A", "__Host-claimcheck-browser", "=;=;", "__Host-claimcheck-browser=%"),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((v) => `__Host-claimcheck-browser=${v}`),
  ),
);

describe("GET /authorize", () => {
  it("answers arbitrary query strings with the error page or a protocol redirect", async () => {
    const params = fc
      .record({
        response_type: fc.oneof({ arbitrary: fc.constant("code"), weight: 4 }, anyText(10)),
        client_id: clientIdValue,
        redirect_uri: fc.oneof({ arbitrary: fc.constant(CLIENT_REDIRECT), weight: 4 }, anyText(40)),
        state: secretish,
        code_challenge: fc.oneof({ arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), weight: 3 }, anyText(60)),
        code_challenge_method: fc.oneof({ arbitrary: fc.constantFrom("S256", "plain", "s256"), weight: 3 }, anyText(8)),
        resource: fc.oneof({ arbitrary: fc.constant(`${PUBLIC_URL}/mcp`), weight: 3 }, anyText(40)),
        scope: anyText(30),
      }, { requiredKeys: ["client_id", "redirect_uri"] })
      .map((p) => Object.entries(p).map(([k, v]): [string, string] => [k, k === "client_id" ? realClientId(v) : v]));
    await fc.assert(
      fc.asyncProperty(params, junkParams, rawQuery, bindingCookie, async (known, extra, raw, cookie) => {
        const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
        const answer = await hit(`/authorize?${queryOf([...known, ...extra], raw)}`, { headers });
        expectPageAnswer(answer);
      }),
      { numRuns: 80 },
    );
  });
});

describe("GET /callback", () => {
  it("answers arbitrary query strings and cookies with the error page, echoing no code or state", async () => {
    const params = fc.record({ state: secretish, code: secretish, error: anyText(20), iss: fc.oneof(fc.constant(IDP_ORIGIN), anyText(30)) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(params, junkParams, rawQuery, bindingCookie, async (known, extra, raw, cookie) => {
        const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
        const answer = await hit(`/callback?${queryOf([...Object.entries(known), ...extra], raw)}`, { headers });
        expectPageOrJsonError(answer);
        expectNotEchoed(answer, ...[known.state, known.code].filter((v) => v !== undefined));
      }),
      { numRuns: 60 },
    );
  });
});

describe("POST /consent", () => {
  it("answers arbitrary forms, encodings, origins and cookies with the error page, echoing no handle", async () => {
    const form = fc.record({ handle: fc.oneof(secretish, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)), decision: fc.oneof(fc.constantFrom("approve", "deny"), anyText(10)) });
    const encoded = fc.oneof(
      fc.tuple(form, junkParams).map(([f, extra]) => ({ type: "application/x-www-form-urlencoded", body: new URLSearchParams([...Object.entries(f), ...extra]).toString() as BodyInit, handle: f.handle })),
      form.map((f) => {
        const data = new FormData();
        for (const [k, v] of Object.entries(f)) data.append(k, v);
        return { type: null, body: data as BodyInit, handle: f.handle };
      }),
      fc.tuple(form, contentType).map(([f, type]) => ({ type, body: JSON.stringify(f) as BodyInit, handle: f.handle })),
      fc.tuple(secretish, fc.oneof(invalidUtf8, anyText(60).map((t) => `--xyz\r\n${t}`))).map(([handle, body]) => ({ type: "multipart/form-data; boundary=xyz", body: body as BodyInit, handle })),
    );
    const origin = fc.option(fc.oneof(fc.constant(PUBLIC_URL), fc.constantFrom("null", "https://evil.example", ""), headerText(30)));
    await fc.assert(
      fc.asyncProperty(encoded, origin, bindingCookie, async ({ type, body, handle }, from, cookie) => {
        const headers: Record<string, string> = {};
        if (type !== null) headers["Content-Type"] = type;
        if (from !== null) headers.Origin = from;
        if (cookie) headers.Cookie = cookie;
        const answer = await hit("/consent", { method: "POST", headers, body });
        expectPageOrJsonError(answer);
        expectNotEchoed(answer, handle);
      }),
      { numRuns: 80 },
    );
  });
});

describe("POST /consent on a real pending consent", () => {
  it("grants a code only for the exact decision `approve` from our origin, whatever else the form holds", async () => {
    const decision = fc.oneof(fc.constantFrom("approve", "deny", "Approve", "approve ", "", "approve\u0000"), anyText(10));
    const origin = fc.option(fc.oneof({ arbitrary: fc.constant(PUBLIC_URL), weight: 4 }, fc.constantFrom("null", "https://evil.example", `${PUBLIC_URL}/`)), { freq: 4 });
    await fc.assert(
      fc.asyncProperty(decision, junkParams, origin, async (choice, extra, from) => {
        // A fresh user each run, so no remembered approval skips the consent page.
        const browser = new Browser();
        const page = await signIn(browser, authorizeUrl(clientId, (await pkcePair()).challenge), { sub: `fuzz-${crypto.randomUUID()}` });
        expect(page.status).toBe(200);
        const handle = consentHandleOf(await page.text());
        const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
        if (from !== null) headers.Origin = from;
        const res = await browser.worker(`${PUBLIC_URL}/consent`, {
          method: "POST",
          headers,
          body: new URLSearchParams([["handle", handle], ["decision", choice], ...extra.filter(([k]) => k !== "handle" && k !== "decision")]),
        });
        const answer = { status: res.status, headers: res.headers, body: await res.text() };
        if (from !== null && from !== PUBLIC_URL) return expectPageOrJsonError(answer);
        expect(answer.status).toBe(302);
        const back = new URL(answer.headers.get("Location")!);
        expect(`${back.origin}${back.pathname}`).toBe(CLIENT_REDIRECT);
        expect(back.searchParams.has("code")).toBe(choice === "approve");
        expect(back.searchParams.get("error")).toBe(choice === "approve" ? null : "access_denied");
        expectNotEchoed(answer, handle);
      }),
      { numRuns: 15 },
    );
  });
});

