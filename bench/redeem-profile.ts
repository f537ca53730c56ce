// Where a redemption's time goes: redemptions one at a time with the bench Worker's profiled
// bindings (bench/worker/profile-env.ts), through wrangler dev, averaged per span, beside what the
// client saw and what a bare `GET /health` costs through wrangler dev and at the Worker's own entry
// (the difference is wrangler dev's proxy, not the Worker's work). Measured with the stand-in
// answering at once, so the Worker's own cost stands out.
import { send } from "./http-client.ts";
import { summarize } from "./percentiles.ts";
import { redeem } from "./request-paths.ts";
import { mintTickets } from "./ticket-supply.ts";

const PROFILE_HEADER = "X-Claimcheck-Bench-Profile";

export type ProfileSpan = { name: string; callsPerRedemption: number; meanMs: number };

export type Profile = {
  redemptions: number;
  /** Mean wall time seen by the client. */
  clientMeanMs: number;
  /** Mean time inside the Worker's fetch handler. */
  workerMeanMs: number;
  /** Mean of `GET /health` one at a time through wrangler dev: the floor of any request there. */
  healthMeanMs: number;
  /** The same at the Worker's own entry, without wrangler dev's proxy (when it was found). */
  healthAtEntryMeanMs?: number | undefined;
  spans: ProfileSpan[];
};

type Timing = { total: number; spans: Map<string, { ms: number; count: number }> };

function parseServerTiming(header: string): Timing {
  const timing: Timing = { total: Number.NaN, spans: new Map() };
  for (const [, token, dur, desc] of header.matchAll(/([^,;\s]+);dur=(\d+)(?:;desc="([^"]*)")?/g)) {
    if (token === "total") {
      timing.total = Number(dur);
      continue;
    }
    const [, name = token!, count = "1"] = /^(.*) x(\d+)$/.exec(desc ?? "") ?? [];
    timing.spans.set(name, { ms: Number(dur), count: Number(count) });
  }
  return timing;
}

async function healthMean(workerUrl: string, count: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    await send(`${workerUrl}/health`);
    samples.push(performance.now() - sent);
  }
  return summarize(samples).mean;
}

export async function profileRedemptions(workerUrl: string, entryUrl: string | undefined, count: number): Promise<Profile> {
  const supply = await mintTickets(workerUrl, count);
  const client: number[] = [];
  const worker: number[] = [];
  const totals = new Map<string, { ms: number; count: number }>();
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    const answer = await redeem(workerUrl, supply.take()!, { [PROFILE_HEADER]: "1" });
    client.push(performance.now() - sent);
    if (answer.status !== 200) throw new Error(`profiled redemption: HTTP ${answer.status}`);
    const timing = parseServerTiming(String(answer.headers["server-timing"] ?? ""));
    worker.push(timing.total);
    for (const [name, span] of timing.spans) {
      const sum = totals.get(name) ?? { ms: 0, count: 0 };
      sum.ms += span.ms;
      sum.count += span.count;
      totals.set(name, sum);
    }
  }
  return {
    redemptions: count,
    clientMeanMs: summarize(client).mean,
    workerMeanMs: summarize(worker).mean,
    healthMeanMs: await healthMean(workerUrl, count),
    healthAtEntryMeanMs: entryUrl === undefined ? undefined : await healthMean(entryUrl, count),
    spans: [...totals].map(([name, { ms, count: calls }]) => ({ name, callsPerRedemption: calls / count, meanMs: ms / count })),
  };
}
