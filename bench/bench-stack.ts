// What the benches run against, all on 127.0.0.1: the Secret Server stand-in (in this process) and
// the Worker under `wrangler dev` with the bench-only entry (bench/worker/bench-worker.ts), which adds
// ticket minting without sign-in. Closing stops wrangler's whole process group.
import { startSecretServer, type FaultRequest, type RunningSecretServer, type StandInStats } from "../dev/secret-server/server.ts";
import { findFreePort } from "../dev/stack/ports.ts";
import { workerVars } from "../dev/stack/worker-vars.ts";
import { startWranglerDev, type WranglerDev } from "../dev/stack/wrangler-dev.ts";

export const BENCH_WORKER_SCRIPT = "bench/worker/bench-worker.ts";

/** The stand-in's application account (dev/secret-server/seed.json). */
export const APP_ACCOUNT = { username: "claimcheck-app", password: "app-account-password" };

/** The bench identity of bench-worker.ts may read db/prod; nobody else anything. */
const BENCH_ACCESS_POLICY = [{ subjects: ["bench-agent"], paths: ["db/prod"] }];

/** The longest life a ticket may have, so tickets minted ahead of a phase are still live when used. */
const BENCH_TICKET_TTL_SECONDS = 900;

/**
 * The benches never sign in, but the Worker's settings require an OpenID issuer: a loopback
 * address where nothing listens, so an accidental sign-in fails at once instead of going anywhere.
 */
const UNUSED_OIDC = { issuer: "http://127.0.0.1:9", clientId: "claimcheck-bench", clientSecret: "unused-bench-secret" };

export type BenchStack = {
  secretServer: RunningSecretServer;
  worker: WranglerDev;
  /** Latency and faults of the stand-in, through its own HTTP route as a test would. */
  setStandIn(faults: FaultRequest): Promise<void>;
  standInStats(): Promise<StandInStats>;
  close(): Promise<void>;
};

async function expectOk(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status}`);
  return response;
}

/**
 * wrangler dev (4.164) attaches a local trace collector to the Worker by default, for its local
 * explorer. It records every subrequest and, measured here, about doubles to triples the Worker's
 * CPU time per redemption; production tracing does not run inside the request like this. The
 * benches turn it off (children inherit this process's environment).
 */
function disableLocalTracing(): void {
  process.env.X_LOCAL_OBSERVABILITY = "false";
}

export async function startBenchStack(options: { persistTo?: string; ticketTtlSeconds?: number } = {}): Promise<BenchStack> {
  disableLocalTracing();
  const secretServer = await startSecretServer({ port: 0 });
  let worker: WranglerDev;
  try {
    const port = await findFreePort();
    worker = await startWranglerDev({
      port,
      ...(options.persistTo ? { persistTo: options.persistTo } : {}),
      script: BENCH_WORKER_SCRIPT,
      vars: {
        ...workerVars({
          publicUrl: `http://127.0.0.1:${port}`,
          oidc: UNUSED_OIDC,
          secretServer: { url: secretServer.url, ...APP_ACCOUNT },
          accessPolicy: BENCH_ACCESS_POLICY,
        }),
        TICKET_TTL_SECONDS: String(options.ticketTtlSeconds ?? BENCH_TICKET_TTL_SECONDS),
      },
    });
  } catch (err) {
    await secretServer.close();
    throw err;
  }
  return {
    secretServer,
    worker,
    async setStandIn(faults) {
      const response = await fetch(`${secretServer.url}/_stand-in/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(faults),
      });
      await (await expectOk(response, "stand-in faults")).body?.cancel();
    },
    async standInStats() {
      return (await (await expectOk(await fetch(`${secretServer.url}/_stand-in/stats`), "stand-in stats")).json()) as StandInStats;
    },
    async close() {
      await worker.close();
      await secretServer.close();
    },
  };
}
