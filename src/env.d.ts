// Bindings and settings the Worker receives. Settings are parsed and validated once in
// src/config.ts; everything here is raw input from wrangler vars and secrets.
declare namespace Cloudflare {
  interface Env {
    TICKETS: DurableObjectNamespace<import("./tickets/ticket-store").TicketStore>;
    DB: D1Database;
    SIGN_IN_STATE: DurableObjectNamespace<import("./auth/sign-in-state-store").SignInStateStore>;
    JTI_REPLAY: DurableObjectNamespace<import("./ci/jti-replay-store").JtiReplayStore>;
    ALERT_OUTBOX: DurableObjectNamespace<import("./alerts/alert-outbox").AlertOutbox>;
    REFRESH_LEDGER: DurableObjectNamespace<import("./auth/refresh/refresh-ledger").RefreshLedger>;
    OAUTH_KV: KVNamespace;
    REDEEM_LIMIT_IP: RateLimit;
    REDEEM_LIMIT_SESSION: RateLimit;
    CI_REDEEM_LIMIT_IP: RateLimit;
  }
  interface GlobalProps {
    mainModule: typeof import("./index");
  }
}
interface Env extends Cloudflare.Env {}
