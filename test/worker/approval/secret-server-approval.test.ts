// Secret Server's own approval workflow: for a secret that requires approval for access,
// claimcheck files an access request naming the human, the client and the ticket id, keeps the
// ticket waiting, asks Secret Server at each poll, and redeems only once the request is Approved.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { fileAccessRequest, planApproval } from "../../../src/approval/plan-approval";
import { loadConfig } from "../../../src/config";
import { ClaimcheckError } from "../../../src/errors";
import { AccessPolicy } from "../../../src/policy/access-policy";
import { createSecretServerClient, type SecretReader } from "../../../src/secret-server";
import { mintTicket, newTicket } from "../../../src/tickets/mint-ticket";
import { redeemTicket } from "../../../src/tickets/redeem-ticket";
import { revokeSessionTickets } from "../../../src/tickets/revoke-tickets";
import { hashTicket, ticketIdOf } from "../../../src/tickets/ticket-format";
import { standIn } from "../secret-server/stand-in";
import { deliverSessionAudit } from "../tickets/audit-delivery";

const ss = standIn("approval-workflow");
const SIGN_OFF = { value: "L3dger-S1gn-0ff!" }; // seed.json, secret 19 \db\sign-off
const who = { sub: "dev-sub", email: "dev@corp.example", emailVerified: true, groups: [] };
const policy = AccessPolicy.parse([{ emails: ["dev@corp.example"], paths: ["db/**"] }]);

type Listed = { secretAccessRequestId: number; requestComment: string; status: string };

let source: SecretReader;
beforeAll(async () => {
  await ss.reset();
  source = createSecretServerClient(ss.password, { maxRetries: 0 });
});

async function decideAtSecretServer(id: number, status: "Approved" | "Denied") {
  const now = Date.now();
  const body = { status, startDate: new Date(now - 60_000).toISOString(), expirationDate: new Date(now + 3_600_000).toISOString(), responseComment: "ok" };
  const answer = await fetch(`${ss.url}/_stand-in/access-requests/${id}`, { method: "POST", body: JSON.stringify(body) });
  expect(answer.ok).toBe(true);
}

async function waitingTicket() {
  const config = loadConfig(env);
  const session = `ss-approval-${crypto.randomUUID()}`;
  const secret = await source.getSecret({ path: "db/sign-off" });
  expect(secret.requiresApproval).toBe(true);
  const ticket = newTicket(env, session);
  const plan = planApproval({ ...config, accessPolicy: policy }, who, { id: secret.id, path: "db/sign-off", requiresApproval: true }, ticket)!;
  expect(plan).toMatchObject({ secretServer: true, person: undefined });
  const ticketId = ticketIdOf(await hashTicket(ticket));
  const requestId = await fileAccessRequest(source, config, { secretId: secret.id, who, clientId: "client-ss", ticketId });
  await mintTicket(env, ticket, {
    session,
    secret: { id: secret.id, path: "db/sign-off", requiresComment: false, checkOutEnabled: false },
    fields: ["password"],
    who,
    clientId: "client-ss",
    ttlSeconds: 60,
    approval: { id: plan.id, secretServerRequestId: requestId, timeoutSeconds: 60 },
  });
  return { session, ticket, ticketId, requestId };
}

async function present(ticket: string): Promise<string> {
  try {
    return (await redeemTicket(env, { policy, source }, ticket)).values.password!;
  } catch (err) {
    if (err instanceof ClaimcheckError) return err.code;
    throw err;
  }
}

describe("Secret Server's access-request workflow", () => {
  it("files a request naming the human, the client and the ticket id; redeems once Approved", async () => {
    const t = await waitingTicket();
    const listed = (await (await fetch(`${ss.url}/_stand-in/access-requests`)).json()) as Listed[];
    const filed = listed.find((r) => r.secretAccessRequestId === t.requestId)!;
    expect(filed.status).toBe("Pending");
    for (const named of [who.email, "client-ss", t.ticketId]) expect(filed.requestComment).toContain(named);
    expect(filed.requestComment).not.toContain(t.ticket);

    expect(await present(t.ticket)).toBe("APPROVAL_PENDING");
    await decideAtSecretServer(t.requestId, "Approved");
    expect(await present(t.ticket)).toBe(SIGN_OFF.value);
    expect(await present(t.ticket)).toBe("TICKET_INVALID");

    await deliverSessionAudit(t.session);
    const { results } = await env.DB.prepare("SELECT event, outcome, detail FROM audit_events WHERE ticket_id = ? ORDER BY at, id").bind(t.ticketId).all();
    expect(results.map((r) => `${r.event}:${r.outcome}`)).toEqual(["mint:ok", "approval_requested:pending", "approved:ok", "redeem:ok", "replay:used"]);
    expect(JSON.parse(results[2]!.detail as string)).toMatchObject({ secret_server_request: t.requestId });
    expect(JSON.stringify(results)).not.toContain(SIGN_OFF.value);
  });

  it("revoke_tickets withdraws the access request at Secret Server", async () => {
    const t = await waitingTicket();
    expect(await revokeSessionTickets(env, t.session, {}, source)).toBe(1);
    const listed = (await (await fetch(`${ss.url}/_stand-in/access-requests`)).json()) as Listed[];
    expect(listed.find((r) => r.secretAccessRequestId === t.requestId)?.status).toBe("Canceled");
    expect(await present(t.ticket)).toBe("TICKET_INVALID");
  });

  it("fails closed when Secret Server denies", async () => {
    const t = await waitingTicket();
    await decideAtSecretServer(t.requestId, "Denied");
    expect(await present(t.ticket)).toBe("APPROVAL_DENIED");
    expect(await present(t.ticket)).toBe("APPROVAL_DENIED");
  });
});
