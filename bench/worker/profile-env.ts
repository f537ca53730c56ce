// Bench-only (runs inside the bench Worker): where a redemption's time goes. The Worker's bindings
// that redemption uses (both rate limiters, the TicketStore namespace, D1) and the global fetch
// (Secret Server) are wrapped so that every call made while a profiled request runs adds its wall
// time to a named span. The real Worker code runs unchanged on top of the wrapped env.
//
// Profiled requests must come one at a time: spans go to the one request being profiled. workerd's
// clock moves only across I/O, which is what these spans measure; what is left of the Worker's total
// is its own CPU time and the awaits between calls.

type Span = { ms: number; count: number };
export type Spans = Map<string, Span>;

let active: Spans | undefined;

async function timed<T>(name: string, call: () => Promise<T>): Promise<T> {
  const spans = active;
  if (!spans) return call();
  const start = Date.now();
  try {
    return await call();
  } finally {
    const span = spans.get(name) ?? { ms: 0, count: 0 };
    span.ms += Date.now() - start;
    span.count++;
    spans.set(name, span);
  }
}

/** The TicketStore calls a redemption or a mint makes; any other property passes through. */
const TICKET_STORE_CALLS = new Set(["beginRedemption", "completeRedemption", "releaseRedemption", "mint", "lookup"]);

type RpcMethods = Record<string, (...args: unknown[]) => Promise<unknown>>;

function profiledStub<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      if (typeof prop !== "string" || !TICKET_STORE_CALLS.has(prop)) return Reflect.get(target, prop) as unknown;
      // Called as a method of the stub: an RPC method is itself a stub, so `.apply` would be an RPC.
      return (...args: unknown[]) => timed(`TicketStore.${prop}`, () => (target as RpcMethods)[prop]!(...args));
    },
  });
}

function profiledTickets(tickets: Env["TICKETS"]): Env["TICKETS"] {
  return new Proxy(tickets, {
    get(target, prop) {
      if (prop === "get") return (...args: Parameters<Env["TICKETS"]["get"]>) => profiledStub(target.get(...args));
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function profiledDb(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") return (statements: D1PreparedStatement[]) => timed("D1 batch (audit)", () => target.batch(statements));
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function profiledLimiter(name: string, limiter: RateLimit): RateLimit {
  return { limit: (options) => timed(name, () => limiter.limit(options)) };
}

let fetchWrapped = false;

/** The Worker reads `fetch` from the global scope at each call, so Secret Server calls come here. */
function profileGlobalFetch(): void {
  if (fetchWrapped) return;
  fetchWrapped = true;
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => timed("Secret Server fetch (to headers)", () => original(input, init));
}

// One wrapped env per real env, so the Worker's per-env caches (settings, Secret Server client and
// its token) live as long as they would unprofiled.
const wrapped = new WeakMap<Env, Env>();

function profiledEnv(env: Env): Env {
  let profiled = wrapped.get(env);
  if (!profiled) {
    profiled = {
      ...env,
      TICKETS: profiledTickets(env.TICKETS),
      DB: profiledDb(env.DB),
      REDEEM_LIMIT_IP: profiledLimiter("rate limit (per IP)", env.REDEEM_LIMIT_IP),
      REDEEM_LIMIT_SESSION: profiledLimiter("rate limit (per IP and session)", env.REDEEM_LIMIT_SESSION),
    };
    wrapped.set(env, profiled);
  }
  return profiled;
}

/** `Server-Timing` syntax: `name;dur=ms;desc="calls"`, names made token-safe. */
function serverTiming(spans: Spans, totalMs: number): string {
  const entries = [...spans].map(([name, { ms, count }]) => `${name.replace(/[^A-Za-z0-9.]+/g, "_")};dur=${ms};desc="${name} x${count}"`);
  return [`total;dur=${totalMs}`, ...entries].join(", ");
}

/** Runs one request through `handle` with profiled bindings; its spans come back as Server-Timing. */
export async function withProfile(env: Env, handle: (env: Env) => Promise<Response>): Promise<Response> {
  if (active) throw new Error("profiled requests must come one at a time");
  profileGlobalFetch();
  const spans: Spans = new Map();
  active = spans;
  const start = Date.now();
  try {
    const response = await handle(profiledEnv(env));
    const copy = new Response(response.body, response);
    copy.headers.set("Server-Timing", serverTiming(spans, Date.now() - start));
    return copy;
  } finally {
    active = undefined;
  }
}
