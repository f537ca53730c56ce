// The stand-in as a web-standard `(Request) => Promise<Response>` function: routes to the token
// endpoints, the vault broker, /api/v1 and the stand-in's own admin API, and applies injected faults.
// No Node APIs here, so it can also run inside a Worker or any fetch-style server.
import { decideAccessRequestForTest, listAccessRequests } from "./access-requests.ts";
import { apiRoute } from "./api.ts";
import { passwordTokenEndpoint, platformTokenEndpoint, vaultsEndpoint } from "./auth.ts";
import { createFaults, faultRequestSchema } from "./faults.ts";
import { parseSeed, type Seed, type SeedFile } from "./seed.ts";
import { json } from "./shapes.ts";
import { createStore, type Store } from "./store.ts";
import { storedSecret } from "./writes.ts";

export type StandInStats = {
  requests: number;
  tokenRequests: number;
  secretReads: number;
  /** Requests by route, ids replaced: `{"GET /api/v1/secrets/{id}/summary": 2, …}`. */
  calls: Record<string, number>;
  pendingFaults: number;
  checkedOut: Record<number, string>;
};

export type SecretServerHandler = {
  fetch(request: Request): Promise<Response>;
  stats(): StandInStats;
  reset(): void;
  /** Releases hung requests; call before closing the server. */
  dispose(): void;
};

const ADMIN_PREFIX = "/_stand-in/";

export type HandlerOptions = {
  /** Where this Secret Server lives under the origin, like `/SecretServer` or `/t/my-test`. */
  basePath?: string;
  /**
   * Serve only what Delinea's SDKs call (README, "SDK-only mode"): every other /api/v1 route
   * answers 404, search ignores all filters but its text, and no read asks for a check-out.
   */
  sdkOnly?: boolean;
};

export function createSecretServerHandler(seedFile: SeedFile, options: HandlerOptions = {}): SecretServerHandler {
  const seed: Seed = parseSeed(seedFile);
  const basePath = options.basePath ?? "";
  const sdkOnly = options.sdkOnly ?? false;
  let store: Store = createStore(seed);
  const faults = createFaults();

  const stats = (): StandInStats => ({
    ...store.stats,
    calls: { ...store.stats.calls },
    pendingFaults: faults.pending(),
    checkedOut: store.checkOuts(),
  });
  const reset = () => {
    faults.clear();
    store = createStore(seed);
  };

  async function admin(request: Request, path: string): Promise<Response> {
    if (path === "stats" && request.method === "GET") return json(stats());
    if (path === "seed" && request.method === "GET") return json(seed);
    // Secret Server's audit of a secret, newest first, also where the SDK-only API has no audit route.
    const audits = /^audits\/(\d+)$/.exec(path);
    if (audits && request.method === "GET") return json(store.auditsFor(Number(audits[1])));
    // Access requests: list them (to find an id, check a comment), and decide one as an approver would.
    if (path === "access-requests" && request.method === "GET") return listAccessRequests(store);
    const decision = /^access-requests\/(\d+)$/.exec(path);
    if (decision && request.method === "POST") {
      return decideAccessRequestForTest(store, Number(decision[1]), await request.json().catch(() => undefined));
    }
    // What was written: a secret's stored values, and every write (and generated password) in order.
    const stored = /^secrets\/(\d+)$/.exec(path);
    if (stored && request.method === "GET") {
      const secret = storedSecret(store, Number(stored[1]));
      return secret ? json(secret) : json({ error: "no such secret" }, 404);
    }
    if (path === "writes" && request.method === "GET") return json(store.writes());
    if (path === "reset" && request.method === "POST") {
      reset();
      return json({ ok: true });
    }
    if (path === "faults" && request.method === "POST") {
      const parsed = faultRequestSchema.safeParse(await request.json().catch(() => undefined));
      if (!parsed.success) return json({ error: "invalid fault request", issues: parsed.error.issues }, 400);
      const { faults: added, latencyMs, tokenLifetimeSeconds, expireTokens } = parsed.data;
      faults.add(added);
      if (latencyMs !== undefined) faults.latencyMs = latencyMs;
      if (tokenLifetimeSeconds !== undefined) store.tokenLifetimeSeconds = tokenLifetimeSeconds;
      if (expireTokens) store.expireAllTokens();
      return json({ ok: true, pendingFaults: faults.pending() });
    }
    return json({ error: "no such stand-in route" }, 404);
  }

  /**
   * What injected 500s echo, like a real stack trace might: a seeded password, and the request's
   * own body (for a write, the value being written).
   */
  async function leakBait(request: Request, pathname: string): Promise<string | undefined> {
    const id = Number(/\/secrets\/(\d+)/i.exec(pathname)?.[1] ?? 11);
    const secret = store.secrets.get(id) ?? store.secrets.values().next().value;
    const seeded = secret?.items.find((i) => i.isPassword)?.itemValue;
    const body = request.method === "GET" ? "" : await request.clone().text().catch(() => "");
    return body ? `${seeded ?? ""}' in '${body}` : seeded;
  }

  async function route(request: Request, url: URL): Promise<Response> {
    const path = url.pathname.toLowerCase();
    if (path === "/oauth2/token" && request.method === "POST") {
      store.stats.tokenRequests++;
      return passwordTokenEndpoint(store, request);
    }
    if (path === "/identity/api/oauth2/token/xpmplatform" && request.method === "POST") {
      store.stats.tokenRequests++;
      return platformTokenEndpoint(store, request);
    }
    if (path === "/vaultbroker/api/vaults" && request.method === "GET") {
      return vaultsEndpoint(store, request, `${url.origin}${basePath}`);
    }
    if (path === "/health" && request.method === "GET") return json({ healthy: true });
    if (path.startsWith("/api/v1/")) {
      const answer = await apiRoute(store, request, url, { sdkOnly });
      if (answer) return answer;
    }
    return json({ message: `No HTTP resource was found that matches the request URI '${url.pathname}'.` }, 404);
  }

  return {
    async fetch(request) {
      const url = new URL(request.url);
      if (!url.pathname.startsWith(basePath)) return json({ message: "outside this Secret Server" }, 404);
      url.pathname = url.pathname.slice(basePath.length) || "/";
      if (url.pathname.startsWith(ADMIN_PREFIX)) return admin(request, url.pathname.slice(ADMIN_PREFIX.length));
      store.stats.requests++;
      const call = `${request.method} ${url.pathname.toLowerCase().replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
      store.stats.calls[call] = (store.stats.calls[call] ?? 0) + 1;
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      const fault = faults.take(url.pathname, request.method);
      if (fault) return faults.answer(fault, await leakBait(request, url.pathname));
      return route(request, url);
    },
    stats,
    reset,
    dispose: () => faults.releaseHung(),
  };
}
