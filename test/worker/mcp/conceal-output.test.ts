// Issue 17 through the real MCP endpoint: `mask` and `masked` in get_secret_environment_variable,
// what the result text tells the agent, and the mint row that records an unconcealed command form.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor } from "../auth/sign-in-driver";
import { callTool } from "./json-rpc";
import { deliverAudit, storeOf } from "../tickets/audit-delivery";

const TICKET = /cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/;
const MASK = "<concealed by claimcheck>";

let dev: string;

beforeAll(async () => {
  dev = (await accessTokenFor()).access_token;
});

async function getSecret(args: Record<string, unknown>) {
  const answer = await callTool(dev, "get_secret_environment_variable", { secret_path: "db/prod", ...args });
  expect(answer.status).toBe(200);
  const result = answer.message!.result;
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return { out: result.structuredContent, text: result.content[0].text as string };
}

async function mintDetail(out: { script: string; ticket_id: string }): Promise<unknown> {
  await deliverAudit(storeOf(TICKET.exec(out.script)![0]));
  const row = await env.DB.prepare("SELECT detail FROM audit_events WHERE event = 'mint' AND ticket_id = ?").bind(out.ticket_id).first<{ detail: string | null }>();
  return row?.detail ? JSON.parse(row.detail) : null;
}

describe("get_secret_environment_variable: concealing the command's output", () => {
  it("conceals a command's output by default, in every shell but cmd, and reports to /redeem/report", async () => {
    for (const shell of ["bash", "zsh", "sh", "fish", "powershell"]) {
      const { out, text } = await getSecret({ shell, command: "npm test" });
      expect(out.masked, shell).toBe(true);
      expect(out.script).toContain(MASK);
      expect(out.script).toContain("https://claimcheck.test/redeem/report");
      expect(text).toContain(`print as ${MASK}`);
      expect(await mintDetail(out)).toBeNull();
    }
  });

  it("with mask false runs the command unconcealed, and the mint row records the choice", async () => {
    const { out, text } = await getSecret({ shell: "bash", command: "npm test", mask: false });
    expect(out.masked).toBe(false);
    expect(out.script).not.toContain(MASK);
    expect(text).toContain("not concealed (mask: false)");
    expect(await mintDetail(out)).toEqual({ masked: false, why: "mask_false" });
  });

  it("cmd cannot conceal: masked false, and the text points to PowerShell", async () => {
    const { out, text } = await getSecret({ shell: "cmd", command: "npm test" });
    expect(out.masked).toBe(false);
    expect(text).toContain("use PowerShell");
    expect(await mintDetail(out)).toEqual({ masked: false, why: "shell_cannot" });
  });

  it("the export form is not masked, and says once that later output cannot be concealed", async () => {
    const { out, text } = await getSecret({ shell: "bash" });
    expect(out.masked).toBe(false);
    expect(text.match(/not concealed/g)).toHaveLength(1);
    expect(text).toContain("`command`");
  });
});

describe("the tool's description", () => {
  it("tells the agent to prefer `command` when it knows the command", async () => {
    const { mcpPost } = await import("./json-rpc");
    const answer = await mcpPost(dev, { jsonrpc: "2.0", id: 3, method: "tools/list" });
    const tool = answer.message!.result.tools.find((t: { name: string }) => t.name === "get_secret_environment_variable");
    expect(tool.description).toContain("pass it as `command`");
    expect(tool.inputSchema.properties.mask.type).toBe("boolean");
    expect(tool.outputSchema.properties.masked.type).toBe("boolean");
  });
});
