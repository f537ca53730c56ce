// A coding agent's whole session against the real product on 127.0.0.1: `wrangler dev`, the local
// OpenID provider, the Secret Server stand-in, driven by the real MCP SDK client. It signs in
// (discovery, registration, PKCE, the provider's login page, the Worker's consent page), runs the
// scripts the tool returns in real bash, zsh, dash and fish, meets the refusals, and at the end
// everything the run left behind is searched for secrets and tickets. One stack for the file:
// tests run in order and the last ones read what the earlier ones did.
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import { formData, formWithButton } from "../harness/html-forms.ts";
import { FlowStuckError, HttpBrowser, submitForm } from "../harness/http-browser.ts";
import { fillLoginForm } from "../harness/page-handlers.ts";
import { settledAuditRows, type AuditRow } from "../support/audit-rows.ts";
import { idpAccessToken } from "../support/idp-access-token.ts";
import { findLeaks, type Haystack } from "../support/leak-scan.ts";
import { signInToMcp, startAuthorization, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { getSecretVariable, ticketsIn, toolErrorText, type SecretRequest, type SnippetAnswer } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir, probesFor, REAL_SHELLS, type RealShell, type ShellWorkdir } from "../support/shell-session.ts";
import { recordTranscript, type Exchange } from "../support/transcript.ts";
import { eventuallyLogged } from "../support/worker-log.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // groups engineering, db-admins
const BOB = { username: "bob@demo.test", password: DEFAULT_BOB_PASSWORD }; // group contractors
const ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**", "Certs/**"] }];
const APPROVE = { name: "decision", value: "approve" };
/** The seeded values the leak scan looks for: shorter ones would match by chance. */
const MIN_SECRET_CHARS = 6;

/** Audit events (`event:outcome`, in order) a ticket's story leaves, by what the test did with it. */
const RAN_TWICE = ["mint:ok", "redeem:ok", "replay:used"];
const RAN_ONCE = ["mint:ok", "redeem:ok"];
const REVOKED_THEN_RUN = ["mint:ok", "revoke:ok", "late_use:revoked"];

// Every answer the Worker handed out with the audit trail its ticket must leave, and what every
// shell session printed: all of it is checked at the end.
const handedOut: { answer: SnippetAnswer; trail: string[] }[] = [];
const shellOutput: Haystack[] = [];
const transcript = recordTranscript();
let stack: McpStack;
let seeded: SeededValues;
let alice: SignedIn;

beforeAll(async () => {
  seeded = await loadSeededValues();
  stack = await startMcpStack({ accessPolicy: ACCESS_POLICY });
});

afterAll(async () => {
  await alice?.client.close();
  await stack?.close();
});

async function askFor(request: SecretRequest, trail: string[]): Promise<SnippetAnswer> {
  const answer = await getSecretVariable(alice.client, request);
  handedOut.push({ answer, trail });
  return answer;
}

async function runSession(dir: ShellWorkdir, shell: RealShell, lines: string[]): Promise<void> {
  const { output } = await dir.run(shell, lines);
  shellOutput.push({ source: `${shell} session output`, text: output });
}

describe("an agent signs in with the MCP SDK", () => {
  it("discovers the authorization server, registers, signs in at the OpenID provider, approves and connects", async () => {
    alice = await signInToMcp(stack, ALICE, { clientName: "E2E coding agent", fetch: transcript.fetch });

    const steps = (await transcript.exchanges()).map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);
    expect(steps.slice(0, 4)).toEqual([
      "POST /mcp 401",
      "GET /.well-known/oauth-protected-resource/mcp 200",
      "GET /.well-known/oauth-authorization-server 200",
      "POST /oauth/register 201",
    ]);
    expect(steps).toContain("POST /oauth/token 200");
    expect(steps.at(-1)).toMatch(/^POST \/mcp 20[02]$/);
    const authorize = alice.oauth.authorizationUrl;
    expect(authorize.origin + authorize.pathname).toBe(`${stack.publicUrl}/authorize`);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("resource")).toBe(stack.mcpUrl.href);
    expect(alice.oauth.tokens()?.access_token).toBeTruthy();
  });

  it("the 401 names the protected resource metadata, which names the Worker as authorization server", async () => {
    const [challenge, metadata] = await transcript.exchanges();
    expect(challenge?.responseHeaders).toContain(`resource_metadata="${stack.publicUrl}/.well-known/oauth-protected-resource/mcp"`);
    expect(JSON.parse(metadata?.responseBody ?? "{}")).toMatchObject({
      resource: stack.mcpUrl.href,
      authorization_servers: [stack.publicUrl],
    });
  });

  it("lists the seven tools, with annotations and an output schema for the secret tool", async () => {
    const { tools } = await alice.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["create_secret", "get_secret_environment_variable", "revoke_tickets", "rotate_secret", "search_secrets", "set_secret_field", "whoami"]);
    const secretTool = tools.find((t) => t.name === "get_secret_environment_variable");
    expect(secretTool?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(secretTool?.outputSchema?.properties).toHaveProperty("script");
    expect(tools.find((t) => t.name === "search_secrets")?.annotations?.readOnlyHint).toBe(true);
  });

  it("whoami and search_secrets answer as the signed-in user, without values", async () => {
    const who = await alice.client.callTool({ name: "whoami", arguments: {} });
    expect(who.structuredContent).toMatchObject({ email: "alice@demo.test", groups: ["engineering", "db-admins"] });
    const search = await alice.client.callTool({ name: "search_secrets", arguments: { query: "prod" } });
    expect(search.structuredContent).toMatchObject({ secrets: [{ id: 11, path: "db/prod", fields: expect.arrayContaining(["password"]) }] });
  });
});

const SECRETS = [
  { what: "db/prod's password", request: { secret_path: "db/prod" }, id: 11, slug: "password", variable: "PROD_PASSWORD" },
  {
    what: "db/tricky's password (quotes, $, backticks, %, backslashes, newline, tab, unicode)",
    request: { secret_path: "db/tricky" },
    id: 16,
    slug: "password",
    variable: "TRICKY_PASSWORD",
  },
  {
    what: "a file field that ends in a newline",
    request: { secret_path: "Certs/tls-bundle", field: "certificate" },
    id: 15,
    slug: "certificate",
    variable: "TLS_BUNDLE_CERTIFICATE",
  },
];

it("the seed holds the awkward values the shell tests rely on", () => {
  const tricky = seeded.valueOf(16, "password");
  for (const awkward of ["'", '"', "$", "`", "%", "\\", "\n", "\t", "ü", "🔑"]) expect(tricky).toContain(awkward);
  expect(seeded.valueOf(15, "certificate")).toMatch(/[^\n]\n$/);
});

function setStale(shell: RealShell, name: string): string {
  return shell === "fish" ? `set -gx ${name} stale-value` : `${name}=stale-value; export ${name}`;
}

describe.each(REAL_SHELLS)("a script the tool returns for %s, run in the real shell", (shell) => {
  const probe = probesFor(shell);
  let dir: ShellWorkdir;
  beforeEach(async () => {
    dir = await makeShellWorkdir();
  });
  afterEach(() => dir.remove());

  it.each(SECRETS)("sets $what byte for byte; cleanup unsets it; a second run fails closed", async ({ request, id, slug, variable }) => {
    const answer = await askFor({ ...request, shell }, RAN_TWICE);
    expect(answer.secret).toMatchObject({ id, field: slug });
    expect(answer.variables).toEqual([variable]);
    const expected = seeded.valueOf(id, slug);

    await runSession(dir, shell, [
      answer.script,
      probe.status("first-status"),
      probe.value(variable, "first-value"),
      `printenv ${variable} > first-env`,
      answer.cleanup,
      probe.isSet(variable, "after-cleanup"),
      // The second run meets an old value: failing closed must remove it, not leave it.
      setStale(shell, variable),
      answer.script,
      probe.status("second-status"),
      probe.isSet(variable, "after-second"),
    ]);
    expect(await dir.text("first-status")).toBe("0\n");
    expect(await dir.bytes("first-value")).toEqual(Buffer.from(expected));
    expect(await dir.bytes("first-env")).toEqual(Buffer.from(`${expected}\n`)); // exported; printenv adds a newline
    expect(await dir.text("after-cleanup")).toBe("unset\n");
    expect(await dir.text("second-status")).toMatch(/^[1-9]\d*\n$/);
    expect(await dir.text("after-second")).toBe("unset\n");
  });

  it("the command form: the command sees the variable in its environment, the shell after it does not", async () => {
    const name = "E2E_COMMAND_SECRET";
    const reference = shell === "fish" ? `$${name}` : `"$${name}"`;
    const answer = await askFor({
      secret_path: "db/tricky",
      shell,
      variable_name: name,
      command: `printf '%s' ${reference} > command-value; printenv ${name} > command-env`,
    }, RAN_ONCE);
    await runSession(dir, shell, [answer.script, probe.status("status"), probe.isSet(name, "outer")]);
    const expected = seeded.valueOf(16, "password");
    expect(await dir.text("status")).toBe("0\n");
    expect(await dir.bytes("command-value")).toEqual(Buffer.from(expected));
    expect(await dir.bytes("command-env")).toEqual(Buffer.from(`${expected}\n`));
    expect(await dir.text("outer")).toBe("unset\n");
  });
});

describe("refusals through the real stack", () => {
  it("revoke_tickets: a revoked ticket's script fails closed", async () => {
    const dir = await makeShellWorkdir();
    try {
      const answer = await askFor({ secret_path: "db/prod", shell: "bash" }, REVOKED_THEN_RUN);
      const revoked = await alice.client.callTool({ name: "revoke_tickets", arguments: {} });
      expect(revoked.structuredContent).toEqual({ revoked: 1 });
      const probe = probesFor("bash");
      await runSession(dir, "bash", [answer.script, probe.status("status"), probe.isSet("PROD_PASSWORD", "set")]);
      expect(await dir.text("status")).not.toBe("0\n");
      expect(await dir.text("set")).toBe("unset\n");
    } finally {
      await dir.remove();
    }
  });

  it("a user outside the policy gets a clear tool error, by path and by id alike, and no value is read", async () => {
    const bob = await signInToMcp(stack, BOB, { clientName: "E2E contractor agent", fetch: transcript.fetch });
    try {
      const readsBefore = stack.secretServer.stats().secretReads;
      const byPath = await toolErrorText(bob.client, "get_secret_environment_variable", { secret_path: "db/prod", shell: "bash" });
      const byId = await toolErrorText(bob.client, "get_secret_environment_variable", { secret_path: "11", shell: "bash" });
      expect(byPath).toBe("NOT_FOUND: No such secret, or you are not allowed to access it.");
      expect(byId).toBe(byPath); // no oracle: a forbidden secret looks like a missing one
      expect(stack.secretServer.stats().secretReads).toBe(readsBefore);
      const who = await bob.client.callTool({ name: "whoami", arguments: {} });
      expect(who.structuredContent).toMatchObject({ email: "bob@demo.test", allowed: { paths: [], ids: [] } });
    } finally {
      await bob.client.close();
    }
  });

  it("a token is refused at /mcp for any other resource: another origin, or an OpenID provider token", async () => {
    const token = alice.oauth.tokens()?.access_token ?? "";
    const initialize = (url: string, bearer: string) =>
      fetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    expect((await initialize(stack.mcpUrl.href, token)).status).toBe(200); // the token itself is good

    const elsewhere = await initialize(`http://localhost:${stack.worker.port}/mcp`, token);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');

    const upstream = await idpAccessToken(stack.idp.issuer, stack.oidcClient, ALICE);
    const refused = await initialize(stack.mcpUrl.href, upstream);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
  });

  it("/authorize refuses a request without PKCE, with `plain` PKCE, or with an unregistered redirect URI", async () => {
    const registered = alice.oauth.clientInformation();
    if (registered === undefined) throw new Error("the agent has no registration");
    const authorize = (params: Record<string, string>) => {
      const url = new URL("/authorize", stack.publicUrl);
      const base = { response_type: "code", client_id: registered.client_id, redirect_uri: alice.oauth.redirectUrl, state: "s1" };
      url.search = new URLSearchParams({ ...base, ...params }).toString();
      return fetch(url, { redirect: "manual" });
    };
    const noPkce: Record<string, string> = {};
    for (const pkce of [noPkce, { code_challenge: "x".repeat(43), code_challenge_method: "plain" }]) {
      const res = await authorize(pkce);
      const back = new URL(res.headers.get("Location") ?? "about:blank");
      expect(res.status).toBe(302);
      expect(back.origin + back.pathname).toBe(alice.oauth.redirectUrl);
      expect(back.searchParams.get("error")).toBe("invalid_request");
      expect(back.searchParams.has("code")).toBe(false);
    }
    const foreign = await authorize({ redirect_uri: "http://127.0.0.1:9/elsewhere", code_challenge: "x".repeat(43), code_challenge_method: "S256" });
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get("Location")).toBeNull();
  });

  it("a consent POST without the CSRF handle, with a made-up one, or from another origin is refused; the real one goes through", async () => {
    const pending = await startAuthorization(stack.mcpUrl, { clientName: "E2E consent probe", fetch: transcript.fetch });
    const browser = new HttpBrowser();
    const stuck = await browser
      .followUntilLeaving(pending.authorizationUrl, { within: [stack.publicUrl, stack.idp.issuer], handlers: [fillLoginForm(ALICE)] })
      .then(() => undefined, (err: unknown) => err);
    if (!(stuck instanceof FlowStuckError)) throw new Error(`expected to stop at the consent page, got ${String(stuck)}`);
    const form = formWithButton(stuck.page.forms, APPROVE);
    if (form === undefined) throw new Error("the consent page has no approve button");
    const post = (body: URLSearchParams, headers: Record<string, string> = {}) =>
      fetch(form.action, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: browser.jar.headerFor(form.action) ?? "", ...headers },
        body,
      });

    const refusals = [
      await post(new URLSearchParams({ decision: "approve" })),
      await post(new URLSearchParams({ handle: "A".repeat(43), decision: "approve" })),
      await post(formData(form, {}, APPROVE), { Origin: "http://attacker.test" }),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(400);
      expect(res.headers.get("Location")).toBeNull();
      expect(await res.text()).toContain("Sign-in could not be completed.");
    }
    const logged = /"event":"sign_in_failed".*"detail":"state_missing_or_malformed"/;
    expect(await eventuallyLogged(() => stack.worker.logs(), logged)).toBe(true);

    const approved = await browser.send(submitForm(form, formData(form, {}, APPROVE)));
    expect(approved.status).toBe(302);
    expect(pending.oauth.codeFrom(new URL(approved.headers.get("Location") ?? ""))).toBeTruthy();
  });
});

describe("what the run left behind", () => {
  let rows: AuditRow[];
  let exchanges: Exchange[];
  let haystacks: Haystack[];

  beforeAll(async () => {
    await alice.client.close(); // ends the open streams, so every transcript body is complete
    rows = await settledAuditRows(stack.worker.persistTo);
    exchanges = await transcript.exchanges();
    haystacks = [
      ...exchanges.map((e, i) => ({ source: `MCP transcript #${i} ${e.method} ${e.url}`, text: JSON.stringify(e) })),
      { source: "Worker output", text: stack.worker.logs() },
      ...rows.map((r) => ({ source: `audit row ${r.id}`, text: JSON.stringify(r) })),
      ...shellOutput,
    ];
  });

  it("the transcript holds every response whole (none still streaming)", () => {
    expect(exchanges.length).toBeGreaterThan(20);
    expect(exchanges.filter((e) => !e.ended).map((e) => `${e.method} ${e.url} ${e.requestBody}`)).toEqual([]);
  });

  it("the audit trail records each ticket's mint, redemption, replay or revocation, and the policy refusals", () => {
    expect(handedOut).toHaveLength(REAL_SHELLS.length * (SECRETS.length + 1) + 1);
    for (const { answer, trail } of handedOut) {
      const events = rows.filter((r) => r.ticket_id === answer.ticket_id).map((r) => `${r.event}:${r.outcome}`);
      expect(events, `audit trail of ticket ${answer.ticket_id} (${answer.secret.path})`).toEqual(trail);
    }
    const bobsRows = rows.filter((r) => r.email === "bob@demo.test");
    expect(bobsRows).toEqual([
      expect.objectContaining({ event: "deny", outcome: "forbidden", secret_path: "db/prod", ticket_id: null }),
      expect.objectContaining({ event: "deny", outcome: "forbidden", secret_id: 11, ticket_id: null }),
    ]);
  });

  it("holds no seeded secret value and no Worker credential (transcript, Worker output, audit rows, shell output)", () => {
    const needles = [
      ...seeded.needles(MIN_SECRET_CHARS),
      ...stack.workerCredentials.map((value, i) => ({ label: `Worker credential ${i}`, value })),
    ];
    expect(needles.length).toBeGreaterThan(20);
    expect(haystacks.length).toBeGreaterThan(40);
    expect(findLeaks(haystacks, needles)).toEqual([]);
  });

  it("shows no ticket after its redemption: only the answer that handed it out holds it", () => {
    const tickets = handedOut.flatMap(({ answer }) => ticketsIn(answer.script));
    expect(tickets).toHaveLength(handedOut.length);
    const needles = tickets.flatMap(({ ticket, key }, i) => [
      { label: `ticket ${i}`, value: ticket },
      { label: `ticket ${i}'s key`, value: key },
    ]);
    const found = findLeaks(haystacks, needles);
    for (const i of tickets.keys()) {
      const holders = found.filter((l) => l.needle === `ticket ${i}` || l.needle === `ticket ${i}'s key`).map((l) => l.source);
      expect(holders, `where ticket ${i} or its key appears`).toHaveLength(2);
      expect(new Set(holders).size, `ticket ${i} and its key appear in one place`).toBe(1);
      expect(holders[0]).toMatch(/^MCP transcript #\d+ POST .*\/mcp$/);
    }
  });
});
