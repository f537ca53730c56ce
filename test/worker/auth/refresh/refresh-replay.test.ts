// Refresh-token replay (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1) through the real token endpoint: a
// rotated-out refresh token presented again revokes the whole grant (every access and refresh
// token of it), is audited as `refresh_replay` with the user and the client, and is answered like
// any dead token. One retry of the previous token within the grace window is forgiven, for a
// client that lost the answer to its own refresh.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { REFRESH_GRACE_MS, type LedgerState } from "../../../../src/auth/refresh/refresh-reuse";
import type { RefreshLedger } from "../../../../src/auth/refresh/refresh-ledger";
import { initialize } from "../../mcp/json-rpc";
import { accessTokenFor, tokenRequest, type ClientTokens, type Tokens } from "../sign-in-driver";

function refresh(clientId: string, refreshToken: string) {
  return tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId });
}

async function refreshed(clientId: string, refreshToken: string): Promise<Tokens> {
  const res = await refresh(clientId, refreshToken);
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

async function expectRefused(res: Response) {
  expect(res.status).toBe(400);
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  expect(await res.json()).toEqual({ error: "invalid_grant", error_description: "Invalid refresh token" });
}

/** Whether the grant is gone: its access tokens no longer reach /mcp, its refresh token no longer refreshes. */
async function expectGrantRevoked(clientId: string, latest: Tokens, ...older: Tokens[]) {
  for (const t of [latest, ...older]) expect((await initialize(t.access_token)).status).toBe(401);
  expect((await refresh(clientId, latest.refresh_token)).status).toBe(400);
}

async function replayRows(clientId: string) {
  const { results } = await env.DB.prepare("SELECT event, outcome, subject, email, client_id FROM audit_events WHERE event = 'refresh_replay' AND client_id = ?")
    .bind(clientId)
    .all<{ event: string; outcome: string; subject: string; email: string; client_id: string }>();
  return results;
}

function ledgerOf(refreshToken: string): DurableObjectStub<RefreshLedger> {
  const [userId, grantId] = refreshToken.split(":");
  return env.REFRESH_LEDGER.get(env.REFRESH_LEDGER.idFromName(`${userId}:${grantId}`));
}

async function signedIn(): Promise<ClientTokens> {
  return accessTokenFor();
}

describe("RFC 9700 4.14.2: reuse of a rotated-out refresh token", () => {
  it("revokes the whole grant when a token comes back after its successor was used, and audits who it was", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    const third = await refreshed(first.clientId, second.refresh_token);

    await expectRefused(await refresh(first.clientId, first.refresh_token));

    await expectGrantRevoked(first.clientId, third, second, first);
    expect(await replayRows(first.clientId)).toEqual([
      { event: "refresh_replay", outcome: "successor_used", subject: "corp|user:42", email: "dev@corp.example", client_id: first.clientId },
    ]);
  });

  it("stops a thief who replays the previous token: the real client's next refresh ends the grant for both", async () => {
    const client = await signedIn();
    const clientNext = await refreshed(client.clientId, client.refresh_token);
    // The thief holds the rotated-out token and is quick: inside the grace window, the provider's
    // old behaviour would hand out a new chain and silently kill the client's.
    const thief = await refreshed(client.clientId, client.refresh_token);

    await expectRefused(await refresh(client.clientId, clientNext.refresh_token));

    await expectGrantRevoked(client.clientId, thief, clientNext);
    expect((await replayRows(client.clientId)).map((r) => r.outcome)).toEqual(["superseded"]);
  });

  it("revokes at the second reuse of the previous token: one retry is all the grace there is", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    const retry = await refreshed(first.clientId, first.refresh_token);

    await expectRefused(await refresh(first.clientId, first.refresh_token));

    await expectGrantRevoked(first.clientId, retry, second);
    expect((await replayRows(first.clientId)).map((r) => r.outcome)).toEqual(["second_use"]);
  });

  it("revokes at a retry of the previous token after the grace window", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    // The clock: the rotation is moved back past the window instead of waiting 30 s.
    await runInDurableObject(ledgerOf(first.refresh_token), async (_ledger, state) => {
      const ledger = state.storage.kv.get<LedgerState>("ledger")!;
      state.storage.kv.put("ledger", { ...ledger, previous: { ...ledger.previous!, rotatedAt: ledger.previous!.rotatedAt - REFRESH_GRACE_MS - 1 } });
    });

    await expectRefused(await refresh(first.clientId, first.refresh_token));

    await expectGrantRevoked(first.clientId, second);
    expect((await replayRows(first.clientId)).map((r) => r.outcome)).toEqual(["outside_grace"]);
  });

  it("of many racing uses of a rotated-out token, none gets a token and the grant is revoked", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    await refreshed(first.clientId, second.refresh_token);

    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(first.clientId, first.refresh_token)));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(400));
    expect((await initialize(second.access_token)).status).toBe(401);
    expect(await replayRows(first.clientId)).toHaveLength(1);
  });

  it("answers a caught replay exactly like a token the provider never issued", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    await refreshed(first.clientId, second.refresh_token);
    const [userId, grantId] = first.refresh_token.split(":");
    const forged = await refresh(first.clientId, `${userId}:${grantId}:${"A".repeat(32)}`);
    const caught = await refresh(first.clientId, first.refresh_token);
    expect([caught.status, await caught.text()]).toEqual([forged.status, await forged.text()]);
  });
});

describe("the grace retry", () => {
  it("forgives one retry of the previous token while its successor is unused (a lost answer), and the grant lives on", async () => {
    const first = await signedIn();
    await refreshed(first.clientId, first.refresh_token); // this answer never reached the client

    const retried = await refreshed(first.clientId, first.refresh_token);
    const later = await refreshed(first.clientId, retried.refresh_token);

    expect((await initialize(later.access_token)).status).toBe(200);
    expect(await replayRows(first.clientId)).toEqual([]);
  });

  it("does not apply once the successor was used", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    await refreshed(first.clientId, second.refresh_token);
    await expectRefused(await refresh(first.clientId, first.refresh_token));
  });
});

describe("the ledger", () => {
  it("keeps only SHA-256 of refresh tokens, never a token", async () => {
    const first = await signedIn();
    const second = await refreshed(first.clientId, first.refresh_token);
    const dump = await runInDurableObject(ledgerOf(first.refresh_token), async (_ledger, state) => JSON.stringify([...state.storage.kv.list()]));
    for (const t of [first, second]) {
      expect(dump).not.toContain(t.refresh_token);
      expect(dump).not.toContain(t.refresh_token.split(":")[2]);
      expect(dump).not.toContain(t.access_token.split(":")[2]);
    }
    expect(dump).toMatch(/"current":"[0-9a-f]{64}"/);
  });

  it("is deleted by its alarm once the grant's refresh tokens could no longer work", async () => {
    const first = await signedIn();
    const stub = ledgerOf(first.refresh_token);
    const alarm = await runInDurableObject(stub, (_ledger, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 12 * 60 * 60 * 1000);
    await runInDurableObject(stub, (ledger) => ledger.alarm());
    expect(await runInDurableObject(stub, (_ledger, state) => [...state.storage.kv.list()].length)).toBe(0);
  });
});
