// Client ID Metadata Documents (CIMD): an MCP client that does not register names itself by the
// https URL of a JSON document it publishes. The Worker fetches the document (here from a stub of
// the global fetch: tests never reach the internet), names its publisher's domain on the consent
// page, and issues tokens to it like any client. A document that is missing, forged or unsafe
// stops the sign-in on a page of ours that names the document, the reason and what to do next,
// never with a redirect to a URI nobody vouched for. CLIENT_ID_METADATA_DOCUMENTS turns the whole
// mechanism off; CLIENT_ID_METADATA_ALLOWED narrows it to approved documents.
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../../src/config";
import { callTool } from "../mcp/json-rpc";
import { authorizeUrl, Browser, CLIENT_REDIRECT, consentHandleOf, decide, pkcePair, PUBLIC_URL, signIn, tokenRequest, type Tokens } from "./sign-in-driver";

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

// The documents real clients publish, in their shapes (as fetched in 2026), served by the stub.
const CODEX = "https://chatgpt.com/oauth/codex/client.json";
const CLAUDE_CODE = "https://claude.ai/oauth/claude-code-client-metadata";
const VS_CODE = "https://vscode.dev/oauth/client-metadata.json";
const REAL_CLIENTS: Record<string, Record<string, unknown>> = {
  [CODEX]: {
    client_id: CODEX,
    client_name: "Codex",
    client_uri: "https://chatgpt.com/codex",
    application_type: "native",
    redirect_uris: ["http://127.0.0.1/callback", "http://localhost/callback"],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  },
  [CLAUDE_CODE]: {
    client_id: CLAUDE_CODE,
    client_name: "Claude Code",
    client_uri: "https://claude.ai",
    redirect_uris: ["http://localhost/callback", "http://127.0.0.1/callback"],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  },
  [VS_CODE]: {
    client_id: VS_CODE,
    client_name: "Visual Studio Code",
    client_uri: "https://vscode.dev/product",
    logo_uri: "https://code.visualstudio.com/assets/branding/code-stable.png",
    application_type: "native",
    redirect_uris: ["http://127.0.0.1:33418/", "https://vscode.dev/redirect"],
    grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  },
};

beforeEach(() => {
  for (const [url, document] of Object.entries(REAL_CLIENTS)) publish(url, document);
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

/** The Worker with `settings` on top of the test settings (a new env object: its own config). */
function workerWith(settings: Record<string, string>) {
  const changed = { ...env, ...settings } as unknown as Env;
  return async (request: Request) => {
    const { default: worker } = await import("../../../src/index");
    return worker.fetch(request as Parameters<typeof worker.fetch>[0], changed, createExecutionContext());
  };
}

type Flow = { clientId: string; redirectUri: string; fetchWorker?: (request: Request) => Promise<Response> };

/** Sign-in, consent page, approval and code exchange, as the client would with this redirect URI. */
async function signInAs({ clientId, redirectUri, fetchWorker }: Flow) {
  const { verifier, challenge } = await pkcePair();
  const browser = new Browser(fetchWorker);
  const callback = await signIn(browser, authorizeUrl(clientId, challenge, { redirect_uri: redirectUri }));
  // The same user approved this client and redirect URI in an earlier test: consent is remembered.
  const consent = callback.status === 302 ? "" : await callback.text();
  expect(callback.status, consent).toBeOneOf([200, 302]);
  const back = callback.status === 302 ? callback : await decide(browser, consentHandleOf(consent), "approve");
  expect(back.status).toBe(302);
  const location = new URL(back.headers.get("Location")!);
  expect(location.href.startsWith(`${redirectUri}?`)).toBe(true);
  const exchange = new Request(`${PUBLIC_URL}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${PUBLIC_URL}/mcp`,
    }),
  });
  const tokens = await (fetchWorker ?? ((r: Request) => exports.default.fetch(r)))(exchange);
  return { consent, tokens };
}

async function refusalPage(url: string, fetchWorker?: (request: Request) => Promise<Response>) {
  const res = await new Browser(fetchWorker).worker(url);
  expect(res.status).toBe(400);
  expect(res.headers.get("Location")).toBeNull();
  expect(res.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  return res.text();
}

/** A page of ours, never a redirect, naming the document, what was wrong and what to do. */
async function expectRefusedAfterFetching(clientId: string, says: string, extra: Record<string, string> = {}) {
  const { challenge } = await pkcePair();
  const page = await refusalPage(authorizeUrl(clientId, challenge, extra));
  expect(page).toContain(`<code>${clientId}</code>`);
  expect(page).toContain(says);
  expect(page).toContain("What to do next");
  expect(fetched).toContain(clientId);
  return page;
}

describe("the clients that publish documents today, with the redirect URIs they really use", () => {
  it.each([
    ["Codex", CODEX, "http://127.0.0.1:37819/callback", "chatgpt.com"],
    ["Claude Code", CLAUDE_CODE, "http://localhost:53112/callback", "claude.ai"],
    ["Claude Code", CLAUDE_CODE, "http://127.0.0.1:41239/callback", "claude.ai"],
    ["Visual Studio Code", VS_CODE, "http://127.0.0.1:52345/", "vscode.dev"],
    ["Visual Studio Code", VS_CODE, "http://127.0.0.1:33418/", "vscode.dev"],
  ])("%s (%s) signs in with %s, named by its publisher's domain", async (name, clientId, redirectUri, domain) => {
    const { consent, tokens } = await signInAs({ clientId, redirectUri });
    expect(consent).toContain(`Allow <em>${name}</em> to use claimcheck as you?`);
    expect(consent).toContain(`Published by <strong>${domain}</strong>.<br>Website: <code>${REAL_CLIENTS[clientId]!.client_uri}</code>`);
    expect(consent).toContain(`<dt>Access sent to</dt><dd><code>${redirectUri}</code></dd>`);
    expect(consent).not.toContain("Unverified");
    expect(consent).not.toContain("a name it gave itself");
    expect(tokens.status).toBe(200);
    const { access_token } = (await tokens.json()) as Tokens;
    expect((await callTool(access_token, "whoami")).message?.result?.structuredContent?.email).toBe("dev@corp.example");
  });
});

describe("RFC 8252 7.3: loopback redirect URIs match on any port", () => {
  it("admits [::1] on an ephemeral port for a portless registration", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { redirect_uris: ["http://[::1]/callback"] }));
    const { tokens } = await signInAs({ clientId, redirectUri: "http://[::1]:40111/callback" });
    expect(tokens.status).toBe(200);
  });

  it("still wants the path to match on loopback", async () => {
    const page = await expectRefusedAfterFetching(CODEX, "which its document does not list", { redirect_uri: "http://127.0.0.1:37819/elsewhere" });
    expect(page).toContain("<code>http://127.0.0.1:37819/elsewhere</code>");
    expect(page).toContain("<code>http://127.0.0.1/callback</code>, <code>http://localhost/callback</code>");
    expect(page).toContain("Do not continue");
  });

  it("wants an exact match, port included, off loopback", async () => {
    await expectRefusedAfterFetching(VS_CODE, "which its document does not list", { redirect_uri: "https://vscode.dev:8443/redirect" });
  });

  it("does not treat a host that merely starts with 127. or ends in localhost as loopback", async () => {
    await expectRefusedAfterFetching(CLAUDE_CODE, "which its document does not list", { redirect_uri: "http://localhost.evil.example:8080/callback" });
  });
});

describe("a document that cannot be used stops the sign-in on our page", () => {
  it("when it cannot be fetched (HTTP error)", async () => {
    const clientId = documentUrl();
    published.set(clientId, () => new Response("not here", { status: 404 }));
    const page = await expectRefusedAfterFetching(clientId, "its host answered HTTP 404");
    expect(page).toContain("--oauth-client-registration dcr");
    expect(page).toContain("CLIENT_ID_METADATA_DOCUMENTS=off");
    expect(page).not.toContain("not here");
  });

  it("when its host cannot be reached", async () => {
    const clientId = documentUrl();
    published.set(clientId, () => {
      throw new TypeError("Network connection lost.");
    });
    await expectRefusedAfterFetching(clientId, "the connection failed");
  });

  it("when it is not JSON", async () => {
    const clientId = documentUrl();
    published.set(clientId, () => new Response("<html>sign in</html>", { headers: { "Content-Type": "text/html" } }));
    const page = await expectRefusedAfterFetching(clientId, "The document is not JSON");
    expect(page).toContain(`report it to its publisher (<code>${PUBLISHER}</code>)`);
  });

  it("when it names another client id: it cannot vouch for someone else", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor("https://trusted.example/client.json"));
    await expectRefusedAfterFetching(clientId, "is not its own URL");
  });

  it("when it does not list the redirect URI, without redirecting to it", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { redirect_uris: ["http://127.0.0.1:7777/elsewhere"] }));
    await expectRefusedAfterFetching(clientId, "which its document does not list");
  });

  it("when it carries a client secret", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { client_secret: "a-shared-secret-in-public" }));
    const page = await expectRefusedAfterFetching(clientId, "contains a client secret");
    expect(page).not.toContain("a-shared-secret-in-public");
  });

  it("when it is over the size limit (5 KiB)", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { client_name: `Example Agent ${"x".repeat(6 * 1024)}` }));
    await expectRefusedAfterFetching(clientId, "larger than 5 KiB");
  });

  it("when a required field is missing", async () => {
    const clientId = documentUrl();
    publish(clientId, documentFor(clientId, { client_name: undefined }));
    await expectRefusedAfterFetching(clientId, "not a valid client metadata document");
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

describe("CLIENT_ID_METADATA_DOCUMENTS", () => {
  it("is on when deployed and off on a local run, unless set", () => {
    expect(loadConfig(env).clientIdMetadataDocuments.enabled).toBe(true);
    expect(loadConfig({ ...env, CLAIMCHECK_LOCAL: "true" }).clientIdMetadataDocuments.enabled).toBe(false);
    expect(loadConfig({ ...env, CLAIMCHECK_LOCAL: "true", CLIENT_ID_METADATA_DOCUMENTS: "on" }).clientIdMetadataDocuments.enabled).toBe(true);
    expect(loadConfig({ ...env, CLIENT_ID_METADATA_DOCUMENTS: "off" }).clientIdMetadataDocuments.enabled).toBe(false);
    expect(() => loadConfig({ ...env, CLIENT_ID_METADATA_DOCUMENTS: "yes" })).toThrow(/CLIENT_ID_METADATA_DOCUMENTS: must be on or off/);
  });

  it("on: the metadata advertises documents", async () => {
    const res = await exports.default.fetch(`${PUBLIC_URL}/.well-known/oauth-authorization-server`);
    expect(((await res.json()) as Record<string, unknown>).client_id_metadata_document_supported).toBe(true);
  });

  it("off: the metadata does not advertise them, so clients register instead", async () => {
    const res = await workerWith({ CLIENT_ID_METADATA_DOCUMENTS: "off" })(new Request(`${PUBLIC_URL}/.well-known/oauth-authorization-server`));
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(false);
    expect(metadata.registration_endpoint).toBe(`${PUBLIC_URL}/oauth/register`);
  });

  it("off: a client that names itself by a document gets a clear page, and nothing is fetched", async () => {
    const { challenge } = await pkcePair();
    const page = await refusalPage(authorizeUrl(CLAUDE_CODE, challenge, { redirect_uri: "http://localhost:53112/callback" }), workerWith({ CLIENT_ID_METADATA_DOCUMENTS: "off" }));
    expect(page).toContain("Metadata documents are turned off");
    expect(page).toContain(`<code>${CLAUDE_CODE}</code>`);
    expect(page).toContain("<code>CLIENT_ID_METADATA_DOCUMENTS=off</code>");
    expect(page).toContain("codex mcp login claimcheck --oauth-client-registration dcr");
    expect(fetched).toEqual([]);
  });
});

describe("CLIENT_ID_METADATA_ALLOWED", () => {
  const onlyClaude = { CLIENT_ID_METADATA_ALLOWED: "https://claude.ai/oauth/" };

  it("lets a listed document sign in", async () => {
    const { tokens } = await signInAs({ clientId: CLAUDE_CODE, redirectUri: "http://localhost:53112/callback", fetchWorker: workerWith(onlyClaude) });
    expect(tokens.status).toBe(200);
  });

  it("stops any other document before it is fetched, naming it", async () => {
    const { challenge } = await pkcePair();
    const page = await refusalPage(authorizeUrl(CODEX, challenge, { redirect_uri: "http://127.0.0.1:37819/callback" }), workerWith(onlyClaude));
    expect(page).toContain(`<code>${CODEX}</code>`);
    expect(page).toContain("list of approved applications (<code>CLIENT_ID_METADATA_ALLOWED</code>)");
    expect(fetched).toEqual([]);
  });

  it("refuses an unlisted document client at the token endpoint too (a grant it got before the list changed)", async () => {
    const res = await workerWith(onlyClaude)(
      new Request(`${PUBLIC_URL}/oauth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "u:g:secret", client_id: CODEX }),
      }),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
  });

  it("reads a JSON list or a comma-separated one, and ends a bare origin with a slash", () => {
    const allowed = (value: string) => loadConfig({ ...env, CLIENT_ID_METADATA_ALLOWED: value }).clientIdMetadataDocuments.allowed;
    expect(allowed('["https://claude.ai/oauth/", "https://chatgpt.com"]')).toEqual(["https://claude.ai/oauth/", "https://chatgpt.com/"]);
    expect(allowed("https://claude.ai/oauth/, https://vscode.dev/oauth/client-metadata.json")).toEqual([
      "https://claude.ai/oauth/",
      "https://vscode.dev/oauth/client-metadata.json",
    ]);
  });

  it("does not let a bare origin admit a look-alike host", async () => {
    const { challenge } = await pkcePair();
    const page = await refusalPage(authorizeUrl("https://claude.ai.evil.example/client.json", challenge), workerWith({ CLIENT_ID_METADATA_ALLOWED: "https://claude.ai" }));
    expect(page).toContain("CLIENT_ID_METADATA_ALLOWED");
  });

  it.each(["", "[]", "http://claude.ai/", "https://claude.ai/#x", "not a url", '["https://a.example/", 3]'])("refuses %j, naming the setting", (value) => {
    expect(() => loadConfig({ ...env, CLIENT_ID_METADATA_ALLOWED: value })).toThrow(/CLIENT_ID_METADATA_ALLOWED/);
  });
});
