// The whole front door end to end: registration, PKCE, SSO through the test IdP, consent, token,
// then MCP JSON-RPC over POST /mcp with that token: initialize and the whoami tool.
import { describe, expect, it } from "vitest";
import { accessTokenFor } from "../auth/sign-in-driver";
import { loadConfig } from "../../../src/config";
import { env } from "cloudflare:workers";
import { callTool, initialize, mcpPost } from "./json-rpc";

const { issuer } = loadConfig(env).oidc;

describe("whoami over MCP", () => {
  it("initializes and tells the signed-in user who they are, as text and structured content", async () => {
    const { access_token } = await accessTokenFor();
    const init = await initialize(access_token);
    expect(init.status).toBe(200);
    expect(init.message?.result?.serverInfo?.name).toBe("claimcheck");

    const answer = await callTool(access_token, "whoami");
    expect(answer.status).toBe(200);
    const result = answer.message!.result;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      subject: "corp|user:42",
      email: "dev@corp.example",
      name: "Dev Eloper",
      groups: ["payments", "eng"],
      allowed: { paths: ["db/**", "Payments/**", "Certs/**", "Ops/**"], ids: [] },
      writable: { paths: ["Payments/agents/**"], ids: [] },
    });
    expect(result.content[0].text).toBe(
      "Signed in as Dev Eloper <dev@corp.example>\nSubject: corp|user:42\nGroups: payments, eng\nAllowed secrets: db/**, Payments/**, Certs/**, Ops/**\nMay write: Payments/agents/**",
    );
  });

  it("lists whoami as a read-only tool", async () => {
    const { access_token } = await accessTokenFor();
    const list = await mcpPost(access_token, { jsonrpc: "2.0", id: 3, method: "tools/list", params: {} });
    const whoami = list.message!.result.tools.find((t: { name: string }) => t.name === "whoami");
    expect(whoami.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
    expect(whoami.outputSchema.properties).toHaveProperty("groups");
  });

  it("never hands the IdP's tokens to the tool or the model", async () => {
    const { access_token } = await accessTokenFor();
    const upstream = (await (await fetch(`${issuer}/_test/last-tokens`)).json()) as { access_token: string; id_token: string };
    expect(upstream.access_token).toMatch(/^idp-at-/);
    const answer = await callTool(access_token, "whoami");
    expect(answer.body).toContain("dev@corp.example");
    expect(answer.body).not.toContain(upstream.access_token);
    expect(answer.body).not.toContain(upstream.id_token);
    expect(answer.body).not.toContain(upstream.id_token.split(".")[2]);
    expect(answer.body).not.toContain(access_token);
  });

  it("reads groups from userinfo when the ID token has none", async () => {
    const { access_token } = await accessTokenFor({ scenario: "claims_in_userinfo" });
    const answer = await callTool(access_token, "whoami");
    expect(answer.message!.result.structuredContent).toMatchObject({ email: "dev@corp.example", groups: ["from-userinfo"] });
  });

  it("refuses to sign in a user whose email the IdP marks unverified", async () => {
    await expect(accessTokenFor({ scenario: "email_unverified" })).rejects.toThrow("sign-in ended with 400");
  });

  it("refuses userinfo that belongs to another subject", async () => {
    await expect(accessTokenFor({ scenario: "claims_in_userinfo_other_sub" })).rejects.toThrow("sign-in ended with 400");
  });

  it("refuses a groups claim that is not a list of names", async () => {
    await expect(accessTokenFor({ scenario: "groups_malformed" })).rejects.toThrow("sign-in ended with 400");
  });
});
