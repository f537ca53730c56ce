// The write tools through the whole real product on 127.0.0.1 (`wrangler dev`, the local OpenID
// provider, the Secret Server stand-in), driven by the real MCP SDK client (issue 12): a secret
// created with a password Secret Server generates, then read back through a claim ticket; one
// created awaiting a deposit; values the user's shell holds (a file, an environment variable, a
// pipe) stored with deposit scripts in bash, zsh, dash and fish; an empty value refused and the
// same script retried; a deposit script run twice; a rotation; writes the policy does not allow. Every stored value is compared
// byte for byte with what the stand-in holds, read through its own admin routes. At the end
// everything the run left behind is searched for every value that was generated or deposited, and
// the audit trail is read. One stack for the file; tests run in order and the last ones read what
// the earlier ones did.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_ALICE_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { settledAuditRows, type AuditRow } from "../support/audit-rows.ts";
import { findLeaks, type Haystack } from "../support/leak-scan.ts";
import { signInToMcp, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { getSecretVariable, ticketsIn, toolErrorText } from "../support/secret-tool.ts";
import { loadSeededValues, type Needle } from "../support/seeded-values.ts";
import { probesFor, REAL_SHELLS, type RealShell } from "../support/shell-session.ts";
import { recordTranscript } from "../support/transcript.ts";
import { standInWrites, storedValue } from "./stand-in-state.ts";
import { makeValueShellDir, type ValueShellDir } from "./value-shell.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // groups engineering, db-admins
// Alice may read and write under Payments/agents, and read db/ only: a write there is refused.
const ACCESS_POLICY = [
  { groups: ["engineering"], paths: ["Payments/agents/**"], actions: ["read", "write"] },
  { groups: ["db-admins"], paths: ["db/**"] },
];
const FOLDER = "Payments/agents";
const TEMPLATE = "Password"; // id 6003 in the stand-in's seed: fields resource and password
/** The tricky-bytes value (quotes, $, backticks, %, backslash, newline, tab, non-ASCII) is db/tricky's password. */
const TRICKY = { id: 16, slug: "password" };
/** Values shorter than this match by chance in a leak scan. */
const MIN_SECRET_CHARS = 6;
/** The environment variable the deposit scripts read (env:) and the pipes print from. */
const VALUE_VARIABLE = "E2E_DEPOSIT_VALUE";
const VALUE_FILE = "deposit-value.txt";
const SOURCES = ["file", "env", "pipe"] as const;
type SourceKind = (typeof SOURCES)[number];

const CreateAnswer = z.object({
  id: z.number().int().positive(),
  path: z.string(),
  template: z.string(),
  fields: z.array(z.string()),
  password: z.enum(["generated", "awaiting_deposit"]),
  script: z.string().optional(),
  expires_at: z.iso.datetime().optional(),
  ticket_id: z.string().optional(),
});
const DepositAnswer = z.object({ script: z.string(), expires_at: z.iso.datetime(), ticket_id: z.string().regex(/^[0-9a-f]{12}$/) });
type DepositAnswer = z.infer<typeof DepositAnswer>;
const RotateAnswer = z.object({ id: z.number(), path: z.string(), field: z.string(), rotated_at: z.iso.datetime(), remote: z.boolean() });

// What the run handed out and left behind, checked at the end.
const transcript = recordTranscript();
const shellOutput: Haystack[] = [];
const errorBodies: Haystack[] = [];
/** Values that reached a shell but must never have been stored (the replayed run's). */
const neverStored: Needle[] = [];
const deposits: { answer: DepositAnswer; label: string }[] = [];
let stack: McpStack;
let alice: SignedIn;
let tricky: string;
/** Made by the first test with a generated password; rotated by a later one. */
let generated: { id: number; path: string };
/** Made for the deposits; each one replaces its password. */
let target: { id: number; path: string };
let replayed: DepositAnswer;
/** Paths create_secret made, in order. */
const created: string[] = [];

beforeAll(async () => {
  tricky = (await loadSeededValues()).valueOf(TRICKY.id, TRICKY.slug);
  stack = await startMcpStack({ accessPolicy: ACCESS_POLICY });
  alice = await signInToMcp(stack, ALICE, { clientName: "E2E write agent", fetch: transcript.fetch });
}, 90_000);

afterAll(async () => {
  await alice?.client.close();
  await stack?.close();
});

async function callTool(name: string, args: Record<string, unknown>): Promise<unknown> {
  const result = await alice.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

async function createSecret(name: string): Promise<z.infer<typeof CreateAnswer>> {
  const answer = CreateAnswer.parse(await callTool("create_secret", { folder_path: FOLDER, name, template: TEMPLATE, fields: { resource: `https://${name}.example.test` }, password: "generate" }));
  created.push(answer.path);
  return answer;
}

async function setSecretField(args: { secret_path: string; shell: RealShell; source: string }, label: string): Promise<DepositAnswer> {
  const answer = DepositAnswer.parse(await callTool("set_secret_field", args));
  deposits.push({ answer, label });
  return answer;
}

async function run(dir: ValueShellDir, shell: RealShell, lines: string[], env?: Record<string, string>) {
  const session = await dir.run(shell, lines, env);
  shellOutput.push({ source: `${shell} session ${shellOutput.length}`, text: session.output });
  return session;
}

const storedPassword = (id: number) => storedValue(stack.secretServer.url, id, "password");

describe("create_secret with a generated password", () => {
  let dir: ValueShellDir;
  beforeEach(async () => {
    dir = await makeValueShellDir();
  });
  afterEach(() => dir.remove());

  it("creates the secret; the answer names it and holds no value; Secret Server's generator filled it", async () => {
    const answer = await createSecret("e2e-generated");
    expect(answer).toMatchObject({ path: `${FOLDER}/e2e-generated`, template: TEMPLATE, password: "generated" });
    expect(answer.fields).toEqual(expect.arrayContaining(["resource", "password"]));
    expect(answer.script).toBeUndefined();
    generated = { id: answer.id, path: answer.path };

    const value = await storedPassword(answer.id);
    expect(value.length).toBeGreaterThanOrEqual(12); // the default requirement: 12–16 characters
    // The value came from the stand-in's generator straight into the secret.
    const writes = await standInWrites(stack.secretServer.url);
    expect(writes.filter((w) => w.action === "generate-password").map((w) => w.values.password)).toContain(value);
    expect(writes.find((w) => w.action === "create" && w.secretId === answer.id)?.values.password).toBe(value);
    const exchanges = await transcript.exchanges();
    expect(findLeaks(exchanges.map((e, i) => ({ source: `exchange ${i}`, text: JSON.stringify(e) })), [{ label: "generated password", value }])).toEqual([]);
  });

  it("get_secret_environment_variable, command form in bash: the command sees exactly what the stand-in holds", async () => {
    const name = "E2E_GENERATED_PASSWORD";
    const answer = await getSecretVariable(alice.client, {
      secret_path: generated.path,
      shell: "bash",
      variable_name: name,
      command: `printf '%s' "$${name}" > command-value`,
    });
    expect(answer.secret).toMatchObject({ id: generated.id, field: "password" });
    const probe = probesFor("bash");
    await run(dir, "bash", [answer.script, probe.status("status"), probe.isSet(name, "outer")]);
    expect(await dir.text("status")).toBe("0\n");
    expect(await dir.bytes("command-value")).toEqual(Buffer.from(await storedPassword(generated.id)));
    expect(await dir.text("outer")).toBe("unset\n");
  });

  it("get_secret_environment_variable, export form in fish: the variable holds exactly what the stand-in holds", async () => {
    const answer = await getSecretVariable(alice.client, { secret_path: generated.path, shell: "fish" });
    const variable = answer.variables[0]!;
    const probe = probesFor("fish");
    await run(dir, "fish", [answer.script, probe.status("status"), probe.value(variable, "value"), answer.cleanup]);
    expect(await dir.text("status")).toBe("0\n");
    expect(await dir.bytes("value")).toEqual(Buffer.from(await storedPassword(generated.id)));
  });
});

/**
 * The line that runs `script` reading its value from `kind`: the file and the variable are read by
 * the script itself; a pipe is fed by the shell's own printf, which adds the newline `echo` would.
 */
function runLine(kind: SourceKind, script: string): string {
  return kind === "pipe" ? `printf '%s\\n' "$${VALUE_VARIABLE}" | ${script}` : script;
}

function sourceArg(kind: SourceKind, dir: ValueShellDir): string {
  return kind === "pipe" ? "stdin" : kind === "env" ? `env:${VALUE_VARIABLE}` : `file:${dir.path}/${VALUE_FILE}`;
}

describe("set_secret_field: a value from the user's shell, stored byte for byte", () => {
  beforeAll(async () => {
    const answer = await createSecret("e2e-deposit-target");
    target = { id: answer.id, path: answer.path };
  });

  let dir: ValueShellDir;
  beforeEach(async () => {
    dir = await makeValueShellDir();
  });
  afterEach(() => dir.remove());

  describe.each(REAL_SHELLS)("%s", (shell) => {
    it.each(SOURCES)("from %s: the stand-in holds the tricky value exactly; the script prints one line", async (kind) => {
      // Each case stores its own value, so what the stand-in holds afterwards can only be this run's.
      const value = `${shell}/${kind}: ${tricky}`;
      // A file as an editor leaves it: one trailing newline, which the deposit drops (as for a pipe).
      await dir.put(VALUE_FILE, `${value}\n`);
      const answer = await setSecretField({ secret_path: target.path, shell, source: sourceArg(kind, dir) }, `${shell} ${kind}`);
      const before = (await standInWrites(stack.secretServer.url)).length;

      const probe = probesFor(shell);
      const { output } = await run(dir, shell, [runLine(kind, answer.script), probe.status("status")], { [VALUE_VARIABLE]: value });
      expect(await dir.text("status"), output).toBe("0\n");
      expect(output).toBe(`claimcheck: stored ${target.path} password\n`);
      expect(Buffer.from(await storedPassword(target.id))).toEqual(Buffer.from(value));
      const writes = (await standInWrites(stack.secretServer.url)).slice(before);
      expect(writes.map((w) => ({ action: w.action, secretId: w.secretId }))).toEqual([{ action: "set-field", secretId: target.id }]);
      expect(Buffer.from(writes[0]!.values.password ?? "")).toEqual(Buffer.from(value));
      // Secret Server's own audit names the person and the ticket (it only knows the app account).
      expect(writes[0]!.comment).toContain(ALICE.username);
      expect(writes[0]!.comment).toContain(answer.ticket_id);
    });
  });

  it("an environment variable is stored exactly, its own trailing newline kept", async () => {
    const value = `env with newline: ${tricky}\n`;
    const answer = await setSecretField({ secret_path: target.path, shell: "bash", source: `env:${VALUE_VARIABLE}` }, "bash env trailing newline");
    const probe = probesFor("bash");
    await run(dir, "bash", [answer.script, probe.status("status")], { [VALUE_VARIABLE]: value });
    expect(await dir.text("status")).toBe("0\n");
    expect(Buffer.from(await storedPassword(target.id))).toEqual(Buffer.from(value));
  });
});

describe("create_secret with a deposited password, and the deposit's value rules", () => {
  let dir: ValueShellDir;
  beforeEach(async () => {
    dir = await makeValueShellDir();
  });
  afterEach(() => dir.remove());

  it("awaits the deposit; `cat file | <script>` in sh stores the file's value without its newline", async () => {
    const value = `created by deposit: ${tricky}`;
    await dir.put(VALUE_FILE, `${value}\n`);
    const answer = CreateAnswer.parse(await callTool("create_secret", {
      folder_path: FOLDER, name: "e2e-deposited", template: TEMPLATE, fields: {}, password: "deposit", shell: "sh", source: "stdin",
    }));
    expect(answer).toMatchObject({ path: `${FOLDER}/e2e-deposited`, template: TEMPLATE, password: "awaiting_deposit" });
    const deposit = DepositAnswer.parse(answer);
    deposits.push({ answer: deposit, label: "create_secret deposit" });
    created.push(answer.path);
    const generatedFirst = await storedPassword(answer.id); // the generator's value until the deposit replaces it

    const probe = probesFor("sh");
    const { output } = await run(dir, "sh", [`cat ${VALUE_FILE} | ${deposit.script}`, probe.status("status")]);
    expect(await dir.text("status"), output).toBe("0\n");
    expect(output).toBe(`claimcheck: stored ${answer.path} password\n`);
    const stored = await storedPassword(answer.id);
    expect(Buffer.from(stored)).toEqual(Buffer.from(value));
    expect(stored).not.toBe(generatedFirst);
  });

  it("a file ending in CRLF: the \\r\\n is dropped, nothing else", async () => {
    const value = `crlf file: ${tricky}`;
    await dir.put(VALUE_FILE, `${value}\r\n`);
    const answer = await setSecretField({ secret_path: target.path, shell: "zsh", source: `file:${dir.path}/${VALUE_FILE}` }, "zsh file CRLF");
    const probe = probesFor("zsh");
    await run(dir, "zsh", [answer.script, probe.status("status")]);
    expect(await dir.text("status")).toBe("0\n");
    expect(Buffer.from(await storedPassword(target.id))).toEqual(Buffer.from(value));
  });

  it("an empty pipe is refused and stores nothing; the same script then succeeds (the ticket is kept for a retry)", async () => {
    const before = await storedPassword(target.id);
    const writesBefore = (await standInWrites(stack.secretServer.url)).length;
    const answer = await setSecretField({ secret_path: target.path, shell: "fish", source: "stdin" }, "fish stdin after an empty try");
    const probe = probesFor("fish");
    const value = `after an empty try: ${tricky}`;
    const { output } = await run(dir, "fish", [
      `printf '' | ${answer.script}`,
      probe.status("empty-status"),
      `printf '%s\\n' "$${VALUE_VARIABLE}" | ${answer.script}`,
      probe.status("retry-status"),
    ], { [VALUE_VARIABLE]: value });
    errorBodies.push({ source: "fish session with an empty deposit", text: output });
    expect(await dir.text("empty-status")).toMatch(/^[1-9]\d*\n$/);
    expect(output).toContain("nothing was stored");
    expect(await dir.text("retry-status"), output).toBe("0\n");
    const writes = (await standInWrites(stack.secretServer.url)).slice(writesBefore);
    expect(writes.map((w) => w.action)).toEqual(["set-field"]); // the empty one never reached Secret Server
    expect(before).not.toBe(value);
    expect(Buffer.from(await storedPassword(target.id))).toEqual(Buffer.from(value));
  });
});

describe("a deposit script run a second time", () => {
  it("fails non-zero and leaves the stored value as the first run left it", async () => {
    const dir = await makeValueShellDir();
    try {
      const first = `first run: ${tricky}`;
      const second = `second run: ${tricky}`;
      neverStored.push({ label: "the replayed run's value", value: second }, { label: "the replayed POST's value", value: `direct replay: ${tricky}` });
      replayed = await setSecretField({ secret_path: target.path, shell: "bash", source: `env:${VALUE_VARIABLE}` }, "bash env, run twice");
      const probe = probesFor("bash");

      await run(dir, "bash", [replayed.script, probe.status("first-status")], { [VALUE_VARIABLE]: first });
      expect(await dir.text("first-status")).toBe("0\n");
      expect(await storedPassword(target.id)).toBe(first);
      const writesBefore = (await standInWrites(stack.secretServer.url)).length;

      const { output } = await run(dir, "bash", [replayed.script, probe.status("second-status")], { [VALUE_VARIABLE]: second });
      expect(await dir.text("second-status")).toMatch(/^[1-9]\d*\n$/);
      expect(output).not.toContain("claimcheck: stored");
      expect(output).toContain("nothing was stored");
      expect(Buffer.from(await storedPassword(target.id))).toEqual(Buffer.from(first));
      expect(await standInWrites(stack.secretServer.url)).toHaveLength(writesBefore);
    } finally {
      await dir.remove();
    }
  });

  it("the same ticket posted by hand is refused as invalid (401, TICKET_INVALID), the value unchanged", async () => {
    const [found] = ticketsIn(replayed.script);
    expect(found, "the deposit script holds a cct_ ticket").toBeDefined();
    const response = await fetch(`${stack.publicUrl}/deposit`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: `${found!.ticket}\ndirect replay: ${tricky}`,
      redirect: "manual",
    });
    const body = await response.text();
    errorBodies.push({ source: `POST /deposit replay (${response.status})`, text: `${[...response.headers].join("\n")}\n${body}` });
    // Unknown, expired and used tickets look alike on the wire (the reason is the audit's).
    expect(response.status).toBe(401);
    expect(JSON.parse(body)).toMatchObject({ error: "TICKET_INVALID" });
    expect(response.headers.get("cache-control")).toContain("no-store");
    expect(await storedPassword(target.id)).toBe(`first run: ${tricky}`);
  });
});

describe("rotate_secret", () => {
  it("gives the generated secret a new password; the answer says when, never what", async () => {
    const before = await storedPassword(generated.id);
    const result = await alice.client.callTool({ name: "rotate_secret", arguments: { secret_path: generated.path } });
    expect(result.isError).toBeFalsy();
    const answer = RotateAnswer.parse(result.structuredContent);
    expect(answer).toMatchObject({ id: generated.id, path: generated.path, field: "password", remote: false });
    expect(Math.abs(Date.parse(answer.rotated_at) - Date.now())).toBeLessThan(60_000);

    const after = await storedPassword(generated.id);
    expect(after).not.toBe(before);
    expect(after.length).toBeGreaterThanOrEqual(12);
    const needles = [{ label: "before", value: before }, { label: "after", value: after }];
    expect(findLeaks([{ source: "rotate_secret result", text: JSON.stringify(result) }], needles)).toEqual([]);
  });
});

describe("refusals", () => {
  it("a write under a read-only rule, and a create outside any rule, look like not found", async () => {
    const setRefused = await toolErrorText(alice.client, "set_secret_field", { secret_path: "db/tricky", shell: "bash", source: "stdin" });
    const rotateRefused = await toolErrorText(alice.client, "rotate_secret", { secret_path: "db/tricky" });
    const createRefused = await toolErrorText(alice.client, "create_secret", { folder_path: "db", name: "e2e-nope", template: TEMPLATE });
    for (const [what, text] of Object.entries({ setRefused, rotateRefused, createRefused })) {
      expect(text, what).toBeDefined();
      expect(text, what).toMatch(/^NOT_FOUND: /);
      errorBodies.push({ source: `tool error ${what}`, text: text! });
    }
    // Nothing was written for them.
    expect(await storedPassword(TRICKY.id)).toBe(tricky);
  });
});

describe("what the run left behind", () => {
  let rows: AuditRow[];
  let haystacks: Haystack[];
  let needles: Needle[];
  let writtenActions: Set<string>;

  beforeAll(async () => {
    await alice.client.close(); // ends the open streams, so every transcript body is complete
    rows = await settledAuditRows(stack.worker.persistTo);
    const exchanges = await transcript.exchanges();
    haystacks = [
      ...exchanges.map((e, i) => ({ source: `MCP transcript #${i} ${e.method} ${e.url}`, text: JSON.stringify(e) })),
      { source: "Worker output", text: stack.worker.logs() },
      ...rows.map((r) => ({ source: `audit row ${r.id} (${r.event})`, text: JSON.stringify(r) })),
      ...errorBodies,
    ];
    // Every password value the stand-in generated or was sent, and each line of a multi-line one.
    const writes = await standInWrites(stack.secretServer.url);
    writtenActions = new Set(writes.filter((w) => w.values.password !== undefined).map((w) => w.action));
    const written = writes.flatMap((w) =>
      Object.entries(w.values).filter(([slug]) => slug === "password").map(([, value]) => ({ label: `stand-in write ${w.id} (${w.action})`, value })),
    );
    needles = [...written, ...neverStored].flatMap(({ label, value }) => {
      const lines = value.split("\n");
      const parts = lines.length > 1 ? lines.map((line, n) => ({ label: `${label} (line ${n + 1})`, value: line })) : [];
      return [{ label, value }, ...parts].filter((n) => n.value.length >= MIN_SECRET_CHARS);
    });
  });

  it("holds no generated or deposited value: MCP transcript, Worker log, audit rows, error bodies", () => {
    expect([...writtenActions]).toEqual(expect.arrayContaining(["generate-password", "create", "set-field"]));
    expect(findLeaks(haystacks, needles)).toEqual([]);
    // The scan finds what it looks for: a deposited value cut at its newline, as JSON would carry it.
    expect(findLeaks([{ source: "control", text: JSON.stringify({ v: tricky.split("\n")[1] }) }], needles)).not.toEqual([]);
  });

  it("shows no deposit ticket outside the tool answer that handed it out, and no value in the shells' output", () => {
    const tickets = deposits.flatMap(({ answer, label }) => ticketsIn(answer.script).flatMap(({ ticket, key }) => [
      { label: `${label} ticket`, value: ticket },
      { label: `${label} ticket key`, value: key },
    ]));
    expect(tickets).toHaveLength(2 * deposits.length);
    const outsideTranscript = haystacks.filter((h) => !h.source.startsWith("MCP transcript"));
    expect(findLeaks([...outsideTranscript, ...shellOutput], tickets)).toEqual([]);
    expect(findLeaks(shellOutput, needles)).toEqual([]);
  });

  it("audits create, deposit, rotate and the replay, each with the user's email", () => {
    const ofEvent = (event: string) => rows.filter((r) => r.event === event);
    expect(ofEvent("create").map((r) => `${r.secret_path}:${r.outcome}`).sort()).toEqual(created.map((path) => `${path}:ok`).sort());
    expect(created).toHaveLength(3);
    expect(ofEvent("rotate").map((r) => `${r.secret_id}:${r.field}:${r.outcome}`)).toEqual([`${generated.id}:password:ok`]);
    // One successful deposit per ticket handed out, under that ticket's id.
    const depositedTickets = ofEvent("deposit").filter((r) => r.outcome === "ok").map((r) => r.ticket_id).sort();
    expect(depositedTickets).toEqual(deposits.map((d) => d.answer.ticket_id).sort());
    for (const row of ofEvent("deposit")) {
      expect(created).toContain(row.secret_path);
      expect(row.field).toBe("password");
    }
    const retried = deposits.find((d) => d.label === "fish stdin after an empty try")!.answer.ticket_id;
    // The refused empty value is on record, and the same ticket still deposited once afterwards.
    expect(rows.filter((r) => r.ticket_id === retried).map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "deny:DEPOSIT_REFUSED", "deposit:ok"]);
    // The second run and the hand-made POST: both replays of the same ticket.
    expect(rows.filter((r) => r.ticket_id === replayed.ticket_id).map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "deposit:ok", "replay:used", "replay:used"]);
    for (const event of ["create", "deposit", "rotate", "replay"]) {
      const ofThis = ofEvent(event);
      expect(ofThis.length, event).toBeGreaterThan(0);
      for (const row of ofThis) expect(row.email, `${event} row ${row.id}`).toBe(ALICE.username);
    }
  });
});
