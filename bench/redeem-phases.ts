// The measured phases of the redemption bench. The compared paths take turns, the order rotating
// every time, so whatever else the machine is doing hits them alike:
// - one at a time: rounds of one request per path;
// - under load: closed-loop windows at a fixed concurrency, one path per window.
import { runClosedLoop, runOnce, type LoadResult } from "./closed-loop.ts";
import { summarize, type Summary } from "./percentiles.ts";
import type { BenchPath } from "./request-paths.ts";

export type PathFigures = {
  oneAtATime: Summary;
  loaded: Summary;
  /** Completed requests per second under load. */
  perSecond: number;
  /** Failed requests, one at a time and under load. */
  errors: number;
  /** Windows under load that ran out of tickets before their time was up (shorter, still valid). */
  shortWindows: number;
  firstError?: string | undefined;
};

export type LoadPlan = {
  /** Requests per path, one at a time. */
  single: number;
  concurrency: number;
  /** Windows per path under load. */
  rounds: number;
  windowMs: number;
};

/** Requests a window may need: the rate seen so far for 1.5 windows, within bounds; a modest first
 * guess, since minting is slow on a small machine and a window that runs out still yields a rate. */
const FIRST_GUESS_PER_SECOND = 400;
const MIN_PREPARED = 300;
const MAX_PREPARED = 6_000;

function rotated<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** One request per path per turn (failures counted, not fatal). */
async function oneAtATime(paths: readonly BenchPath[], count: number): Promise<Map<string, LoadResult[]>> {
  const runs = new Map(paths.map((p) => [p.name, [] as LoadResult[]]));
  for (const path of paths) await path.prepare(count);
  for (let i = 0; i < count; i++) {
    for (const path of rotated(paths, i)) runs.get(path.name)!.push(await runOnce(path.next()!));
  }
  return runs;
}

function merge(runs: LoadResult[]) {
  const latencies = runs.flatMap((r) => r.latenciesMs);
  const seconds = runs.reduce((s, r) => s + r.elapsedMs, 0) / 1000;
  return {
    latencies,
    perSecond: latencies.length / seconds,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    ranOut: runs.filter((r) => r.ranOut).length,
    firstError: runs.find((r) => r.firstError)?.firstError,
  };
}

/**
 * Both phases at the stand-in's current latency. `rates` carries each path's last rate across
 * calls, so each window gets enough tickets without minting far more than it can use.
 */
export async function measurePaths(paths: readonly BenchPath[], plan: LoadPlan, rates: Map<string, number>): Promise<Map<string, PathFigures>> {
  const single = await oneAtATime(paths, plan.single);
  const loaded = new Map(paths.map((p) => [p.name, [] as LoadResult[]]));
  for (let round = 0; round < plan.rounds; round++) {
    for (const path of rotated(paths, round)) {
      const expected = rates.get(path.name) ?? FIRST_GUESS_PER_SECOND;
      await path.prepare(Math.min(MAX_PREPARED, Math.max(MIN_PREPARED, Math.ceil(expected * (plan.windowMs / 1000) * 1.5))));
      const run = await runClosedLoop({ concurrency: plan.concurrency, durationMs: plan.windowMs, next: () => path.next() });
      loaded.get(path.name)!.push(run);
      rates.set(path.name, run.latenciesMs.length / (run.elapsedMs / 1000));
    }
  }
  const figures = new Map<string, PathFigures>();
  for (const path of paths) {
    const load = merge(loaded.get(path.name)!);
    const one = merge(single.get(path.name)!);
    figures.set(path.name, {
      oneAtATime: summarize(one.latencies),
      loaded: summarize(load.latencies),
      perSecond: load.perSecond,
      errors: one.errors + load.errors,
      shortWindows: load.ranOut,
      firstError: one.firstError ?? load.firstError,
    });
  }
  return figures;
}
