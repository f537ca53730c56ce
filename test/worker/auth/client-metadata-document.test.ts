// Client ID Metadata Documents (CIMD): an MCP client that does not register names itself by the
// https URL of a JSON document it publishes. The Worker fetches the document (here from a stub of
// the global fetch: tests never reach the internet), names its publisher's domain on the consent
// page, and issues tokens to it like any client. A document that is missing, forged or unsafe
// stops the sign-in on a page of ours, never with a redirect to a URI nobody vouched for.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { callTool } from "../mcp/json-rpc";
import {
  authorizeUrl,
  Browser,
  CLIENT_REDIRECT,
  consentHandleOf,
  decide,
  exchangeCode,
  pkcePair,
  signIn,
  tokenRequest,
  type Tokens,
} from "./sign-in-driver";

const PUBLISHER = "agent.example";

/** Documents the stubbed web serves, by URL; everything else goes to the real fetch (the test IdP). */
const published = new Map<string, () => Response>();
const fetched: string[] = [];

let documents = 0;
/** A fresh URL per test: the provider may cache a document it validated, by URL. */
function documentUrl(): string {
  return `https://${PUBLISHER}/claimcheck-tests/client-${++documents}.json`;
}

function publish(url: string, document: Record<string, unknown>, init: ResponseInit = {}): void {
  published.set(url, () => Response.json(document, init));
}

function documentFor(url: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: url,
    client_name: "Example Agent",
    redirect_uris: [CLIENT_REDIRECT],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    ...overrides,
  };
}

beforeEach(() => {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const serve = published.get(url);
    if (!serve) return realFetch(input, init);
    fetched.push(url);
    return Promise.resolve(serve());
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  published.clear();
  fetched.length = 0;
});

const DOCUMENT_REFUSED = "metadata document could not be fetched or is not valid";

/** A page of ours, never a redirect; `clientId`'s document was fetched, and `says` is why it stopped. */
async function expectRefusedAfterFetching(res: Response, clientId: string, says: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get("Location")).toBeNull();
  expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  expect(await res.text()).toContain(says);
  expect(fetched).toEqual([clientId]);
}

describe("a client known by its metadata document", () => {
  it("signs in: consent names the publisher's domain, and the token works at /mcp", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId));
    const { verifier, challenge } = await pkcePair();
    const browser = new Browser();

    const callback = await signIn(browser, authorizeUrl(clientId, challenge));
    expect(callback.status).toBe(200);
    const page = await callback.text();
    expect(page).toContain("Example Agent");
    expect(page).toContain(`Published by <strong>${PUBLISHER}</strong>`);
    expect(page).not.toContain("Unverified");
    expect(fetched).toContain(clientId);

    const back = await decide(browser, consentHandleOf(page), "approve");
    expect(back.status).toBe(302);
    const location = new URL(back.headers.get("Location")!);
    expect(`${location.origin}${location.pathname}`).toBe(CLIENT_REDIRECT);

    const res = await exchangeCode(location, clientId, verifier);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as Tokens;
    const whoami = await callTool(tokens.access_token, "whoami");
    expect(whoami.status).toBe(200);
    expect(whoami.message?.result?.structuredContent?.email).toBe("dev@corp.example");
  });

  it("stops on our page when the document cannot be fetched", async () => {
    const clientId = documentUrl();
    published.set(clientId, () => new Response("not here", { status: 404 }));
    const { challenge } = await pkcePair();
    await expectRefusedAfterFetching(await new Browser().worker(authorizeUrl(clientId, challenge)), clientId, DOCUMENT_REFUSED);
  });

  it("refuses a document that names another client id: it cannot vouch for someone else", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor("https://trusted.example/client.json"));
    const { challenge } = await pkcePair();
    await expectRefusedAfterFetching(await new Browser().worker(authorizeUrl(clientId, challenge)), clientId, DOCUMENT_REFUSED);
  });

  it("refuses a redirect URI the document does not list, without redirecting to it", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { redirect_uris: ["http://127.0.0.1:7777/elsewhere"] }));
    const { challenge } = await pkcePair();
    const res = await new Browser().worker(authorizeUrl(clientId, challenge));
    await expectRefusedAfterFetching(res, clientId, "This authorization request is not valid");
  });

  it("refuses a document that carries a client secret", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { client_secret: "a-shared-secret-in-public" }));
    const { challenge } = await pkcePair();
    await expectRefusedAfterFetching(await new Browser().worker(authorizeUrl(clientId, challenge)), clientId, DOCUMENT_REFUSED);
  });

  it("refuses a document over the size limit (5 KiB)", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { client_name: `Example Agent ${"x".repeat(6 * 1024)}` }));
    const { challenge } = await pkcePair();
    await expectRefusedAfterFetching(await new Browser().worker(authorizeUrl(clientId, challenge)), clientId, DOCUMENT_REFUSED);
  });

  it("refuses a token request from a client whose document is gone", async () => {
    const clientId = documentUrl();
    published.set(clientId, () => new Response("gone", { status: 410 }));
    const res = await tokenRequest({
      grant_type: "authorization_code",
      code: "any-code",
      redirect_uri: CLIENT_REDIRECT,
      client_id: clientId,
      code_verifier: "v".repeat(43),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
    expect(fetched).toEqual([clientId]);
  });
});
