// Drives the sign-in flow the way a browser and an MCP client would: requests to the Worker go
// through its default export (with this browser's cookies), requests to the IdP go over real HTTP
// to the test IdP (test/fixtures/idp). Redirects are followed by hand so each hop can be checked.
import { exports } from "cloudflare:workers";
import { base64url } from "jose";

export const PUBLIC_URL = "https://claimcheck.test";
export const CLIENT_REDIRECT = "http://127.0.0.1:7777/callback";

export type IdpChoice = { scenario?: string; sub?: string; email?: string; groups?: string };

export class Browser {
  readonly cookies = new Map<string, string>();
  /** Who answers this browser: the Worker as configured, or the Worker with other settings. */
  readonly #fetch: (request: Request) => Promise<Response>;

  constructor(fetchWorker: (request: Request) => Promise<Response> = (request) => exports.default.fetch(request)) {
    this.#fetch = fetchWorker;
  }

  /** A request to the Worker, carrying and keeping this browser's cookies (no redirect following). */
  async worker(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await this.#fetch(new Request(url, { ...init, headers, redirect: "manual" }));
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }
}

export async function registerClient(metadata: Record<string, unknown> = {}): Promise<string> {
  const res = await exports.default.fetch(`${PUBLIC_URL}/oauth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "Test Agent",
      redirect_uris: [CLIENT_REDIRECT],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      ...metadata,
    }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url.encode(new Uint8Array(digest)) };
}

export function authorizeUrl(clientId: string, challenge: string, extra: Record<string, string> = {}): string {
  const url = new URL(`${PUBLIC_URL}/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT,
    state: "client-state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: `${PUBLIC_URL}/mcp`,
    ...extra,
  }).toString();
  return url.href;
}

/** Follows the IdP hop: our redirect to the IdP, the IdP's redirect back to /callback. */
export async function visitIdp(idpLocation: string, choice: IdpChoice = {}): Promise<string> {
  const url = new URL(idpLocation);
  for (const [key, value] of Object.entries(choice)) url.searchParams.set(key, value);
  const res = await fetch(url, { redirect: "manual" });
  if (res.status !== 302) throw new Error(`IdP answered ${res.status}`);
  return res.headers.get("Location")!;
}

/** /authorize → IdP → /callback; returns the Worker's answer to the callback. */
export async function signIn(browser: Browser, authorize: string, choice: IdpChoice = {}): Promise<Response> {
  const start = await browser.worker(authorize);
  if (start.status !== 302) throw new Error(`/authorize answered ${start.status}`);
  return browser.worker(await visitIdp(start.headers.get("Location")!, choice));
}

export function consentHandleOf(html: string): string {
  const match = /name="handle" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("no consent handle on the page");
  return match[1]!;
}

export function decide(browser: Browser, handle: string | undefined, decision: "approve" | "deny", headers: Record<string, string> = {}) {
  const body = new URLSearchParams({ decision });
  if (handle !== undefined) body.set("handle", handle);
  return browser.worker(`${PUBLIC_URL}/consent`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: PUBLIC_URL, ...headers },
    body,
  });
}

/** Sign in and approve; returns the redirect back to the MCP client (with the code). */
export async function signInAndApprove(browser: Browser, clientId: string, challenge: string, choice: IdpChoice = {}): Promise<URL> {
  const callback = await signIn(browser, authorizeUrl(clientId, challenge), choice);
  const answer = callback.status === 200 ? await decide(browser, consentHandleOf(await callback.text()), "approve") : callback;
  if (answer.status !== 302) throw new Error(`sign-in ended with ${answer.status}`);
  return new URL(answer.headers.get("Location")!);
}

export async function tokenRequest(params: Record<string, string>): Promise<Response> {
  return exports.default.fetch(`${PUBLIC_URL}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
}

export type Tokens = { access_token: string; refresh_token: string; expires_in: number; resource?: string };
export type ClientTokens = Tokens & { clientId: string };

/** Trades the code in the client's redirect `back` for tokens, as a public client with PKCE. */
export function exchangeCode(back: URL, clientId: string, verifier: string): Promise<Response> {
  return tokenRequest({
    grant_type: "authorization_code",
    code: back.searchParams.get("code")!,
    redirect_uri: CLIENT_REDIRECT,
    client_id: clientId,
    code_verifier: verifier,
    resource: `${PUBLIC_URL}/mcp`,
  });
}

/** The whole front door for a fresh public client: registration, sign-in, consent, token. */
export async function accessTokenFor(choice: IdpChoice = {}): Promise<ClientTokens> {
  const clientId = await registerClient();
  const { verifier, challenge } = await pkcePair();
  const back = await signInAndApprove(new Browser(), clientId, challenge, choice);
  const res = await exchangeCode(back, clientId, verifier);
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
  return { ...((await res.json()) as Tokens), clientId };
}
