// The Worker's log lines reach us through wrangler's output a moment after the request that
// caused them, so a test waits for a line rather than reading the output once.
const POLL_INTERVAL_MS = 50;
const DEFAULT_WAIT_MS = 5_000;

/** True once `logs()` matches `pattern`, false if it does not within `waitMs`. */
export async function eventuallyLogged(logs: () => string, pattern: RegExp, waitMs = DEFAULT_WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (!pattern.test(logs())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return true;
}
