// The write tools over real MCP JSON-RPC, behind the real front door, against the Secret Server
// stand-in: create with a generated password, set a field through a deposit ticket, rotate. The
// model's side never holds a value: each answer is searched for what the stand-in stored.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { accessTokenFor, PUBLIC_URL } from "../auth/sign-in-driver";
import { deliverAudit, storeOf } from "../tickets/audit-delivery";
import { callTool } from "./json-rpc";

const TICKET = /cct_[0-9a-f]{64}_[A-Za-z0-9_-]{43}/;
const TRICKY = `it's "quoted" $HOME \`id\` 100% !x ünï 🔑 end`;

let dev: string; // dev@corp.example: writes Payments/agents/**, reads db/** and Payments/**

beforeAll(async () => {
  dev = (await accessTokenFor()).access_token;
});

/** What the default stand-in tenant (the one the Worker is configured with) holds, values included. */
async function storedValue(secretId: number, slug: string): Promise<string | undefined> {
  const res = await fetch(`${(env as unknown as { SECRET_SERVER_URL: string }).SECRET_SERVER_URL}/_stand-in/secrets/${secretId}`);
  const stored = (await res.json()) as { items: { slug: string; itemValue: string }[] };
  return stored.items.find((i) => i.slug === slug)?.itemValue;
}

async function tool(name: string, args: Record<string, unknown>) {
  const answer = await callTool(dev, name, args);
  expect(answer.status).toBe(200);
  return { result: answer.message!.result, body: answer.body };
}

const uniqueName = () => `agent-key-${crypto.randomUUID().slice(0, 8)}`;

async function createGenerated(name = uniqueName()) {
  const { result, body } = await tool("create_secret", { folder_path: "Payments/agents", name, template: "Password", fields: { resource: "ci" } });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return { out: result.structuredContent, body };
}

function deposit(ticket: string, value: string) {
  return exports.default.fetch(`${PUBLIC_URL}/deposit`, { method: "POST", body: `${ticket}\n${value}` });
}

describe("create_secret", () => {
  it("creates a secret whose generated password never reaches the model", async () => {
    const name = uniqueName();
    const { out, body } = await createGenerated(name);
    expect(out).toMatchObject({ path: `Payments/agents/${name}`, template: "Password", password: "generated", fields: ["resource", "password"] });
    const generated = await storedValue(out.id, "password");
    expect(generated).toMatch(/^.{24,32}$/); // the template's password rules (stand-in requirement 2)
    expect(body).not.toContain(generated);
    const row = await env.DB.prepare("SELECT event, outcome, secret_path, detail FROM audit_events WHERE event = 'create' AND secret_id = ?").bind(out.id).first();
    expect(row).toMatchObject({ outcome: "ok", secret_path: `Payments/agents/${name}` });
    expect(JSON.stringify(row)).not.toContain(generated);
  });

  it("refuses a folder the caller may only read, exactly like one that does not exist", async () => {
    const readOnly = await tool("create_secret", { folder_path: "db", name: uniqueName(), template: "Password" });
    const nowhere = await tool("create_secret", { folder_path: "Nowhere", name: uniqueName(), template: "Password" });
    expect(readOnly.result.isError).toBe(true);
    expect(readOnly.result.content[0].text).toBe(nowhere.result.content[0].text);
    expect(readOnly.result.content[0].text).toMatch(/^NOT_FOUND/);
  });

  it("refuses a password given in fields: it never passes through the model", async () => {
    const { result } = await tool("create_secret", { folder_path: "Payments/agents", name: uniqueName(), template: "Password", fields: { password: "hunter2-hunter2" } });
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toContain("password field");
  });

  it("with password deposit, returns a script whose ticket stores the value from the shell", async () => {
    const { result, body } = await tool("create_secret", {
      folder_path: "Payments/agents", name: uniqueName(), template: "Password", password: "deposit", shell: "bash", source: "env:NEW_KEY",
    });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const out = result.structuredContent;
    expect(out).toMatchObject({ password: "awaiting_deposit", ticket_id: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(out.script).toContain('"$NEW_KEY"');
    const res = await deposit(TICKET.exec(out.script)![0], TRICKY);
    expect(await res.text()).toBe(`claimcheck: stored ${out.path} password\n`);
    expect(await storedValue(out.id, "password")).toBe(TRICKY);
    expect(body).not.toContain(TRICKY);
  });
});

describe("set_secret_field", () => {
  it("returns a deposit script; its ticket sets the field byte for byte, once", async () => {
    const { out: created } = await createGenerated();
    const { result, body } = await tool("set_secret_field", { secret_path: created.path, shell: "zsh", source: "stdin" });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const out = result.structuredContent;
    expect(Object.keys(out).sort()).toEqual(["expires_at", "script", "ticket_id"]);
    const ticket = TICKET.exec(out.script)![0];
    expect((await deposit(ticket, `${TRICKY}\n`)).status).toBe(200); // stdin: the trailing newline is the shell's
    expect(await storedValue(created.id, "password")).toBe(TRICKY);
    expect((await deposit(ticket, "second try")).status).toBe(401);
    expect(await storedValue(created.id, "password")).toBe(TRICKY);
    expect(body).not.toContain(TRICKY);

    await deliverAudit(storeOf(ticket));
    const rows = await env.DB.prepare("SELECT event, outcome FROM audit_events WHERE ticket_id = ? ORDER BY at, id").bind(out.ticket_id).all();
    expect(rows.results.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "deposit:ok", "replay:used"]);
  });

  it("refuses a secret the caller may read but not write", async () => {
    const { result } = await tool("set_secret_field", { secret_path: "db/prod", shell: "bash", source: "stdin" });
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toMatch(/^NOT_FOUND/);
  });

  it("refuses a malformed source before minting anything", async () => {
    const { result } = await tool("set_secret_field", { secret_path: "Payments/agents/x", shell: "bash", source: "env:1BAD" });
    const failed = result === undefined || result.isError === true;
    expect(failed).toBe(true);
  });
});

describe("rotate_secret", () => {
  it("gives the password a new value from Secret Server and says when, never what", async () => {
    const { out: created } = await createGenerated();
    const before = await storedValue(created.id, "password");
    const { result, body } = await tool("rotate_secret", { secret_path: created.path });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ id: created.id, path: created.path, field: "password", remote: false });
    expect(Date.parse(result.structuredContent.rotated_at)).toBeGreaterThan(Date.now() - 60_000);
    const after = await storedValue(created.id, "password");
    expect(after).not.toBe(before);
    expect(body).not.toContain(after);
    expect(body).not.toContain(before);
  });

  it("refuses a secret the caller may only read", async () => {
    const { result } = await tool("rotate_secret", { secret_path: "db/prod" });
    expect(result.isError).toBe(true);
    expect(result.content[0].text).toMatch(/^NOT_FOUND/);
  });
});
