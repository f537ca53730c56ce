// The Worker restarted between mint and redeem: wrangler dev is killed (its whole process group)
// and started again on the same persisted state, as a deploy or a crash would do to a live
// Worker. Tickets minted before live in their Durable Object's storage, so each still redeems once
// and only once, even when several copies of the script race for it; the agent's sign-in
// survives too. One stack for the file; tests run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ALICE_PASSWORD } from "../../../dev/oidc-provider/demo-users.ts";
import type { AuditRow } from "../support/audit-rows.ts";
import type { Haystack } from "../support/leak-scan.ts";
import { signInToMcp, type SignedIn } from "../support/mcp-sign-in.ts";
import { startMcpStack, type McpStack } from "../support/mcp-stack.ts";
import { getSecretVariable, type SnippetAnswer } from "../support/secret-tool.ts";
import { loadSeededValues, type SeededValues } from "../support/seeded-values.ts";
import { makeShellWorkdir, probesFor, type ShellWorkdir } from "../support/shell-session.ts";
import { recordTranscript } from "../support/transcript.ts";
import { createRunEvidence, HANDED_OUT_BY, secretLeaks, ticketHolders } from "./run-evidence.ts";

const ALICE = { username: "alice@demo.test", password: DEFAULT_ALICE_PASSWORD }; // group db-admins
const ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**"] }];
const REQUEST = { secret_path: "db/prod", shell: "bash" };
const VARIABLE = "PROD_PASSWORD";
/** Copies of one script run at once after the restart: exactly one may get the value. */
const RACERS = 4;
/** What the losers of a race may leave: still in flight at the winner's, or used by then. */
const LOST_RACE = new Set(["deny:in_flight", "replay:used"]);

let stack: McpStack;
let seeded: SeededValues;
let alice: SignedIn;
let shell: ShellWorkdir;
const transcript = recordTranscript();
const evidence = createRunEvidence();
/** Minted before the restart: one for a plain redemption, one for the race. */
let serial: SnippetAnswer;
let raced: SnippetAnswer;
/** Minted after the restart, by the same signed-in client. */
let afterwards: SnippetAnswer;

beforeAll(async () => {
  seeded = await loadSeededValues();
  stack = await startMcpStack({ accessPolicy: ACCESS_POLICY });
  shell = await makeShellWorkdir();
  alice = await signInToMcp(stack, ALICE, { clientName: "E2E agent across a restart", fetch: transcript.fetch });
});

afterAll(async () => {
  await alice?.client.close();
  await shell?.remove();
  await stack?.close();
});

let sessions = 0;
/** Runs the script in bash; its status and the variable's bytes, read back from files. */
async function runScript(answer: SnippetAnswer, label: string): Promise<{ status: string; value: Buffer }> {
  const n = ++sessions;
  const probe = probesFor("bash");
  const { output } = await shell.run("bash", [answer.script, probe.status(`status-${n}`), probe.value(VARIABLE, `value-${n}`)]);
  evidence.keepShellOutput(`bash session ${n} (${label})`, output);
  return { status: (await shell.text(`status-${n}`)).trim(), value: await shell.bytes(`value-${n}`) };
}

const expected = () => Buffer.from(seeded.valueOf(11, "password"));

describe("wrangler dev restarted between mint and redeem", () => {
  it("mints, then the Worker is killed and started again on the same state", async () => {
    serial = await getSecretVariable(alice.client, REQUEST);
    raced = await getSecretVariable(alice.client, REQUEST);
    const before = stack.worker.pid();
    await stack.worker.restart();
    expect(stack.worker.pid()).toBeDefined();
    expect(stack.worker.pid()).not.toBe(before);
  });

  it("a ticket minted before the restart redeems once, and only once", async () => {
    const first = await runScript(serial, "first run after the restart");
    expect(first.status).toBe("0");
    expect(first.value).toEqual(expected());
    const second = await runScript(serial, "second run");
    expect(second.status).not.toBe("0");
    expect(second.value.length).toBe(0);
  });

  it(`${RACERS} copies of one script racing after the restart: exactly one gets the value`, async () => {
    const runs = await Promise.all(Array.from({ length: RACERS }, (_, i) => runScript(raced, `racer ${i + 1}`)));
    const winners = runs.filter((r) => r.status === "0");
    expect(winners).toHaveLength(1);
    expect(winners[0]!.value).toEqual(expected());
    for (const loser of runs.filter((r) => r.status !== "0")) expect(loser.value.length).toBe(0);
  });

  it("the agent's sign-in survives: the same client mints again, and that ticket redeems", async () => {
    afterwards = await getSecretVariable(alice.client, REQUEST);
    const run = await runScript(afterwards, "minted after the restart");
    expect(run.status).toBe("0");
    expect(run.value).toEqual(expected());
  });
});

describe("what the restart run left behind", () => {
  let rows: AuditRow[];
  let haystacks: Haystack[];

  beforeAll(async () => {
    ({ rows, haystacks } = await evidence.collect({ stack, transcript, client: alice.client }));
  });

  const trailOf = (answer: SnippetAnswer) => rows.filter((r) => r.ticket_id === answer.ticket_id).map((r) => `${r.event}:${r.outcome}`);

  it("the audit shows each ticket redeemed exactly once, across the restart", () => {
    expect(trailOf(serial)).toEqual(["mint:ok", "redeem:ok", "replay:used"]);
    expect(trailOf(afterwards)).toEqual(["mint:ok", "redeem:ok"]);
    const race = trailOf(raced);
    expect(race.slice(0, 1)).toEqual(["mint:ok"]);
    expect(race.filter((e) => e === "redeem:ok")).toHaveLength(1);
    expect(race.filter((e) => e !== "mint:ok" && e !== "redeem:ok").every((e) => LOST_RACE.has(e))).toBe(true);
    expect(race).toHaveLength(1 + RACERS);
  });

  it("holds no seeded value and no Worker credential (both Worker runs' output included)", () => {
    expect(stack.worker.logs().match(/Ready on/g)).toHaveLength(2); // both runs, not only the last
    expect(secretLeaks(haystacks, seeded, stack)).toEqual([]);
  });

  it("holds each ticket only in the tool answer that handed it out", () => {
    for (const places of ticketHolders(haystacks, [serial, raced, afterwards].map((a) => a.script))) {
      expect(places).toHaveLength(1);
      expect(places[0]).toMatch(HANDED_OUT_BY);
    }
  });
});
