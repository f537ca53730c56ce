// Test-only Worker entry for the wrangler dev harness test (test/e2e/harness/wrangler-dev.test.ts):
// the real Worker, Durable Object classes included, plus `GET /_test/settings`, which answers the
// HARNESS_* settings it was started with, so the test can check that every value crossed the
// harness's env file byte for byte. Never deployed: it is not wrangler.toml's `main`, it answers on
// loopback only, and it echoes only HARNESS_* test settings, never the Worker's own.
import claimcheck from "../../src/index";
import { loadConfig } from "../../src/config";

export * from "../../src/index";

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    // Loopback twice over, as bench/worker/bench-worker.ts: the request and the Worker's PUBLIC_URL.
    const onLoopback = url.hostname === "127.0.0.1" && new URL(loadConfig(env).publicUrl).hostname === "127.0.0.1";
    if (url.pathname !== "/_test/settings" || !onLoopback) return claimcheck.fetch(request, env, ctx);
    const settings = Object.fromEntries(Object.entries(env).filter(([name, value]) => name.startsWith("HARNESS_") && typeof value === "string"));
    return Response.json(settings);
  },
} satisfies ExportedHandler<Env>;
