// Where the client declares URL elicitation (MCP 2026-07-28), it is also asked to open the
// approval page; everywhere else the link in the tool result is enough. Driven by the real
// MCP client of the 2026 SDK, over the real front door, with a real access token.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, PUBLIC_URL } from "../auth/sign-in-driver";

let token: string;
beforeAll(async () => {
  token = (await accessTokenFor()).access_token; // dev@corp.example: Certs/** needs self approval
});

type Elicited = { mode?: string; url?: string; message?: string };

async function clientWith(capabilities: Record<string, unknown>, answer?: "accept" | "decline" | "cancel") {
  const elicited: Elicited[] = [];
  const client = new Client({ name: "claimcheck-tests", version: "1.0.0" }, { capabilities, versionNegotiation: { mode: "auto" } });
  if (answer) {
    client.setRequestHandler("elicitation/create", async (request: { params: Elicited }) => {
      elicited.push(request.params);
      return { action: answer };
    });
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${PUBLIC_URL}/mcp`), {
    fetch: (url: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set("Authorization", `Bearer ${token}`);
      headers.set("Host", new URL(PUBLIC_URL).host);
      return exports.default.fetch(new Request(url, { ...init, headers }));
    },
  });
  await client.connect(transport);
  return { client, elicited };
}

async function askForCert(client: Client) {
  const result = (await client.callTool({ name: "get_secret_environment_variable", arguments: { secret_path: "Certs/tls-bundle", shell: "bash", field: "host" } })) as {
    isError?: boolean;
    structuredContent?: { approval?: { url: string; status: string }; script: string };
  };
  expect(result.isError).toBeFalsy();
  return result.structuredContent!;
}

describe("URL elicitation of the approval page", () => {
  it("asks a client that declares it to open the page, then returns the snippet for that same request", async () => {
    const { client, elicited } = await clientWith({ elicitation: { url: {} } }, "accept");
    const out = await askForCert(client);
    expect(elicited).toHaveLength(1);
    expect(elicited[0]).toMatchObject({ mode: "url", url: out.approval!.url });
    expect(elicited[0]!.message).toMatch(/waits for the decision/);
    expect(out.approval!.status).toBe("pending");
    expect(out.script).toContain(out.approval!.url);
    // The request the page shows is the one the ticket waits on: it exists now.
    const redeemed = await exports.default.fetch(`${PUBLIC_URL}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${/cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/.exec(out.script)![0]}` } });
    expect(redeemed.status).toBe(503);
    await client.close();
  });

  it("still returns the link when the user declines to open it", async () => {
    const { client, elicited } = await clientWith({ elicitation: { url: {} } }, "decline");
    const out = await askForCert(client);
    expect(elicited).toHaveLength(1);
    expect(out.approval!.url).toBe(elicited[0]!.url);
    await client.close();
  });

  it("does not elicit where the client does not declare URL elicitation: the link in the result is enough", async () => {
    const { client, elicited } = await clientWith({}, undefined);
    const out = await askForCert(client);
    expect(elicited).toHaveLength(0);
    expect(out.approval!.url).toMatch(/\/approvals\//);
    await client.close();
  });

  it("never elicits for a secret that needs no approval", async () => {
    const { client, elicited } = await clientWith({ elicitation: { url: {} } }, "accept");
    const result = (await client.callTool({ name: "get_secret_environment_variable", arguments: { secret_path: "db/prod", shell: "bash" } })) as { structuredContent?: Record<string, unknown> };
    expect(elicited).toHaveLength(0);
    expect(result.structuredContent).not.toHaveProperty("approval");
    await client.close();
  });
});
