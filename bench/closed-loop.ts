// A closed-loop load: `concurrency` lanes, each sending its next request as soon as the previous
// one is answered, until the time is up or the requests run out (tickets are single use, so a
// redemption run is bounded by how many were minted). Every latency is kept.

export type Job = () => Promise<void>;

export type LoadResult = {
  latenciesMs: number[];
  errors: number;
  /** The first failure's message (status codes only: the paths never put values in errors). */
  firstError?: string;
  elapsedMs: number;
  /** True when the requests ran out before the time did. */
  ranOut: boolean;
};

export type LoadOptions = {
  concurrency: number;
  durationMs: number;
  /** The next request to send, or undefined when there is none left. */
  next: () => Job | undefined;
};

export async function runClosedLoop({ concurrency, durationMs, next }: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const result: LoadResult = { latenciesMs, errors: 0, elapsedMs: 0, ranOut: false };
  const start = performance.now();
  const deadline = start + durationMs;

  async function lane(): Promise<void> {
    while (performance.now() < deadline) {
      const job = next();
      if (!job) {
        result.ranOut = true;
        return;
      }
      const sent = performance.now();
      try {
        await job();
        latenciesMs.push(performance.now() - sent);
      } catch (err) {
        result.errors++;
        result.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, lane));
  result.elapsedMs = performance.now() - start;
  return result;
}

/** Completed requests per second over the run. */
export function throughput(result: LoadResult): number {
  return result.latenciesMs.length / (result.elapsedMs / 1000);
}

/** One request, measured like a closed loop of one (a failure counted, not thrown). */
export function runOnce(job: Job): Promise<LoadResult> {
  let taken = false;
  return runClosedLoop({
    concurrency: 1,
    durationMs: Number.POSITIVE_INFINITY,
    next: () => {
      if (taken) return undefined;
      taken = true;
      return job;
    },
  });
}
