// The secret tools over real MCP JSON-RPC, behind the real front door, against the Secret Server
// stand-in: what the model sees, and that what it sees redeems exactly once.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, PUBLIC_URL } from "../auth/sign-in-driver";
import { callTool, mcpPost } from "./json-rpc";
import { deliverAudit, storeOf } from "../tickets/audit-delivery";

const SEEDED = { prod: "Pr0d-db-S3cret!", stripe: "sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc", payout: "payout-key-7Hq2-vX9p" };
const TICKET = /cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/;

let dev: string; // dev@corp.example: db/** and Payments/**
let outsider: string; // no rule names them

beforeAll(async () => {
  dev = (await accessTokenFor()).access_token;
  outsider = (await accessTokenFor({ sub: "corp|user:99", email: "outsider@corp.example" })).access_token;
});

function redeem(ticket: string) {
  return exports.default.fetch(`${PUBLIC_URL}/redeem`, { method: "POST", headers: { Authorization: `Bearer ${ticket}` } });
}

async function getSecret(token: string, args: Record<string, unknown>) {
  const answer = await callTool(token, "get_secret_environment_variable", args);
  expect(answer.status).toBe(200);
  return { result: answer.message!.result, body: answer.body };
}

describe("get_secret_environment_variable", () => {
  it("returns a script holding a ticket, never the value, and the ticket redeems once", async () => {
    const { result, body } = await getSecret(dev, { secret_path: "db/prod", shell: "bash" });
    expect(result.isError).toBeFalsy();
    expect(body).not.toContain(SEEDED.prod);
    const out = result.structuredContent;
    expect(out).toMatchObject({
      variables: ["PROD_PASSWORD"],
      cleanup: expect.stringContaining("unset PROD_PASSWORD"),
      secret: { id: 11, path: "db/prod", field: "password" },
      ticket_id: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(Date.parse(out.expires_at) - Date.now()).toBeGreaterThan(60_000);
    expect(result.content[0].text).toContain(out.script);

    const ticket = TICKET.exec(out.script)![0];
    const first = await redeem(ticket);
    expect(await first.text()).toBe(SEEDED.prod);
    expect((await redeem(ticket)).status).toBe(401);

    await deliverAudit(storeOf(ticket)); // the mint and redeem rows reach D1 through the store's outbox
    const rows = await env.DB.prepare("SELECT event, outcome, email, client_id FROM audit_events WHERE ticket_id = ? ORDER BY at, id").bind(out.ticket_id).all();
    expect(rows.results.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "redeem:ok", "replay:used"]);
    expect(rows.results[0]).toMatchObject({ email: "dev@corp.example", client_id: expect.any(String) });
  });

  it("accepts a numeric id, a chosen field and variable name, and each shell", async () => {
    for (const shell of ["bash", "zsh", "sh", "fish", "powershell", "cmd"]) {
      const { result } = await getSecret(dev, { secret_path: "11", shell, field: "username", variable_name: "DB_USER" });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent.variables).toEqual(["DB_USER"]);
      expect(result.structuredContent.secret.field).toBe("username");
    }
  });

  it("refuses a secret outside the caller's policy exactly like a missing one, and audits the refusal", async () => {
    const forbidden = await getSecret(outsider, { secret_path: "db/prod", shell: "bash" });
    const missing = await getSecret(dev, { secret_path: "db/no-such-secret", shell: "bash" });
    expect(forbidden.result.isError).toBe(true);
    expect(forbidden.result.content[0].text).toBe(missing.result.content[0].text);
    const row = await env.DB.prepare("SELECT outcome, secret_path FROM audit_events WHERE email = 'outsider@corp.example' AND event = 'deny'").first();
    expect(row).toEqual({ outcome: "forbidden", secret_path: "db/prod" });
  });

  it("asks for a comment where Secret Server requires one, and passes it on", async () => {
    const without = await getSecret(dev, { secret_path: "Payments/Restricted/payout-signing-key", shell: "bash" });
    expect(without.result.isError).toBe(true);
    expect(without.result.content[0].text).toMatch(/^COMMENT_REQUIRED/);

    const withComment = await getSecret(dev, { secret_path: "Payments/Restricted/payout-signing-key", shell: "bash", comment: "rotate payouts (INC-42)" });
    expect(withComment.result.isError).toBeFalsy();
    const res = await redeem(TICKET.exec(withComment.result.structuredContent.script)![0]);
    expect(await res.text()).toBe(SEEDED.payout);
  });

  it("names the fields when asked for one the secret does not have", async () => {
    const { result } = await getSecret(dev, { secret_path: "db/prod", shell: "bash", field: "nope" });
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain("password");
  });

  it("refuses unsafe variable names and unknown shells before minting anything", async () => {
    for (const args of [
      { secret_path: "db/prod", shell: "bash", variable_name: "1BAD" },
      { secret_path: "db/prod", shell: "bash", variable_name: "PATH" },
      { secret_path: "db/prod", shell: "tcsh" },
      { secret_path: "db/prod", shell: "bash", variable_name: "X; rm -rf /" },
    ]) {
      const answer = await callTool(dev, "get_secret_environment_variable", args);
      const failed = answer.message?.error !== undefined || answer.message?.result?.isError === true;
      expect(failed, JSON.stringify(args)).toBe(true);
      expect(answer.body).not.toMatch(TICKET);
    }
  });
});

describe("get_secret_environment_variable for a secret that needs approval", () => {
  it("answers as usual plus a pending approval with the link, and the ticket waits (503, Retry-After)", async () => {
    const { result, body } = await getSecret(dev, { secret_path: "Certs/tls-bundle", shell: "bash", field: "host" });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const out = result.structuredContent;
    expect(out).toMatchObject({ variables: ["TLS_BUNDLE_HOST"], ticket_id: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(out.approval).toMatchObject({ status: "pending", approvers: "self", url: expect.stringMatching(/^https:\/\/claimcheck\.test\/approvals\/[0-9a-f]{64}\/[A-Za-z0-9_-]{22}$/) });
    expect(Date.parse(out.approval.expires_at) - Date.now()).toBeGreaterThan(500_000); // APPROVAL_TIMEOUT_SECONDS default 600
    const text: string = result.content[0].text;
    expect(text.split("\n")[0]).toContain(out.approval.url);
    expect(text.split("\n")[0]).toMatch(/show the user/i);
    expect(out.script).toContain(`claimcheck: waiting for approval: ${out.approval.url}`);
    expect(body).not.toContain("api.example.test");

    const waiting = await redeem(TICKET.exec(out.script)![0]);
    expect(waiting.status).toBe(503);
    expect(waiting.headers.get("Retry-After")).toBe("2");
    expect(waiting.headers.get("Claimcheck-Error")).toMatch(/^APPROVAL_PENDING: /);
    expect(await waiting.text()).not.toContain("api.example.test");
  });

  it("names the approvers when the rule asks someone else", async () => {
    const { result } = await getSecret(dev, { secret_path: "Ops/break-glass", shell: "fish" });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent.approval.approvers).toContain("approver@corp.example");
  });

  it("has no approval key where no rule asks for one", async () => {
    const { result } = await getSecret(dev, { secret_path: "db/prod", shell: "bash" });
    expect(result.structuredContent).not.toHaveProperty("approval");
    expect(result.structuredContent.script).not.toContain("waiting for approval");
  });
});

describe("search_secrets", () => {
  it("lists only what the caller may use, with fields and no values", async () => {
    const answer = await callTool(dev, "search_secrets", { query: "stripe" });
    const { secrets } = answer.message!.result.structuredContent;
    expect(secrets).toEqual([expect.objectContaining({ id: 12, path: "Payments/stripe", requires_comment: false })]);
    expect(answer.body).not.toContain(SEEDED.stripe);

    const none = await callTool(outsider, "search_secrets", { query: "stripe" });
    expect(none.message!.result.structuredContent.secrets).toEqual([]);
  });
});

describe("revoke_tickets", () => {
  it("makes every unredeemed ticket of the session stop working", async () => {
    const { result } = await getSecret(dev, { secret_path: "db/prod", shell: "bash" });
    const ticket = TICKET.exec(result.structuredContent.script)![0];
    const revoked = await callTool(dev, "revoke_tickets");
    expect(revoked.message!.result.structuredContent.revoked).toBeGreaterThanOrEqual(1);
    expect((await redeem(ticket)).status).toBe(401);
  });
});

describe("tools/list", () => {
  it("describes every tool with the right hints", async () => {
    const list = await mcpPost(dev, { jsonrpc: "2.0", id: 3, method: "tools/list", params: {} });
    const tools = Object.fromEntries(list.message!.result.tools.map((t: { name: string }) => [t.name, t]));
    expect(Object.keys(tools).sort()).toEqual(["create_secret", "get_secret_environment_variable", "revoke_tickets", "rotate_secret", "search_secrets", "set_secret_field", "whoami"]);
    expect(tools.rotate_secret.annotations).toMatchObject({ destructiveHint: true });
    expect(tools.get_secret_environment_variable.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(tools.get_secret_environment_variable.description).toMatch(/Never print/);
    expect(tools.search_secrets.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.revoke_tickets.annotations).toMatchObject({ destructiveHint: true });
  });
});
