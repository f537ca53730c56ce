// A hard stop for a bench: whatever happens, it ends, and the process harness
// (dev/stack/child-process.ts) kills wrangler's process group on exit.

/** Exits with status 1 after `ms` unless the returned function is called first. */
export function stopAfter(ms: number, name: string): () => void {
  const timer = setTimeout(() => {
    console.error(`${name} did not finish within ${ms / 1000} s; stopping.`);
    process.exit(1);
  }, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
