// Wiring only. The OAuth provider answers the OAuth endpoints and guards /mcp; every other path
// goes to the Hono app (sign-in pages, health, redemption).
import { getOAuthApi, OAuthProvider, type OAuthHelpers, type OAuthProviderOptions } from "@cloudflare/workers-oauth-provider";
import { createMcpHandler } from "agents/mcp/server";
import { Hono } from "hono";
import { frontDoorOptions, MCP_ROUTE, resourceMetadataRequest, ROOT_RESOURCE_METADATA, TOKEN_ENDPOINT } from "./auth/front-door";
import { providerEnv } from "./auth/provider-kv";
import { guardTokenEndpoint } from "./auth/refresh/token-endpoint-guard";
import { approvalQueueRoutes } from "./approval/approval-queue-routes";
import { approvalRoutes } from "./approval/approval-routes";
import { applyAuditRetention } from "./audit/audit-retention";
import { auditRoutes } from "./audit/view/audit-routes";
import { incidentRoutes } from "./incident/incident-routes";
import { signInRoutes } from "./auth/sign-in-routes";
import { assertKnownAlertEvents } from "./alerts/known-alert-events";
import { loadConfig } from "./config";
import { ClaimcheckError } from "./errors";
import { bodyLimits } from "./http/body-limits";
import { errorResponse, onError } from "./http/error-response";
import { depositRoutes } from "./http/deposit";
import { redeemRoutes } from "./http/redeem";
import { redeemReportRoutes } from "./http/redeem-report";
import { ciRoutes } from "./ci/ci-routes";
import { createMcpServer } from "./mcp/server";
import { secretServerClientFor } from "./secret-server";

export { AlertOutbox } from "./alerts/alert-outbox";
export { JtiReplayStore } from "./ci/jti-replay-store";
export { RefreshLedger } from "./auth/refresh/refresh-ledger";
export { SignInStateStore } from "./auth/sign-in-state-store";
export { TicketStore } from "./tickets/ticket-store";

const app = new Hono<{ Bindings: Env }>();
app.onError(onError);
app.notFound(() => errorResponse(new ClaimcheckError("ROUTE_NOT_FOUND")));
app.get("/health", (c) => c.json({ ok: true }));
app.route("/", signInRoutes);
app.route("/", approvalQueueRoutes);
app.route("/", approvalRoutes);
app.route("/", auditRoutes);
app.route("/", incidentRoutes);
app.route("/", redeemRoutes((env) => secretServerClientFor(loadConfig(env).secretServer)));
app.route("/", redeemReportRoutes);
app.route("/", depositRoutes((env) => secretServerClientFor(loadConfig(env).secretServer)));
app.route("/", ciRoutes((env) => secretServerClientFor(loadConfig(env).secretServer)));

/** Built once per env: the resource URL and the accepted Host come from PUBLIC_URL. */
const frontDoors = new WeakMap<object, OAuthProvider<Env>>();
/** The provider's helpers for the same settings, for the token endpoint's guard (it revokes grants). */
const helpersByEnv = new WeakMap<object, OAuthHelpers>();

function keepHelpers(env: Env, options: OAuthProviderOptions<Env>): OAuthProviderOptions<Env> {
  helpersByEnv.set(env, getOAuthApi(options, providerEnv(env)));
  return options;
}

function frontDoorFor(env: Env): OAuthProvider<Env> {
  let frontDoor = frontDoors.get(env);
  if (!frontDoor) {
    const config = loadConfig(env);
    assertKnownAlertEvents(config);
    const mcp = createMcpHandler(createMcpServer, {
      route: MCP_ROUTE,
      // DNS-rebinding defence: /mcp answers only under the public host name.
      allowedHostnames: [new URL(config.publicUrl).hostname],
    });
    frontDoor = new OAuthProvider<Env>(
      keepHelpers(env, frontDoorOptions(config, {
        // The provider hands /mcp/anything here too; the MCP handler would answer it in plain text.
        apiHandler: {
          fetch: (request, env, ctx) =>
            new URL(request.url).pathname === MCP_ROUTE ? mcp(request, env, ctx) : errorResponse(new ClaimcheckError("ROUTE_NOT_FOUND")),
        },
        defaultHandler: app,
      })),
    );
    frontDoors.set(env, frontDoor);
  }
  return frontDoor;
}

/** In front of everything: bodies are bounded before the provider or any route reads one. */
const edge = new Hono<{ Bindings: Env }>();
edge.onError(onError);
edge.use(bodyLimits());
// Refresh-token reuse is caught in front of the provider's token endpoint (src/auth/refresh/).
edge.post(TOKEN_ENDPOINT, (c) => {
  const frontDoor = frontDoorFor(c.env);
  return guardTokenEndpoint(c.req.raw, c.env, {
    helpers: helpersByEnv.get(c.env)!,
    forward: (request) => frontDoor.fetch(request, providerEnv(c.env), c.executionCtx as ExecutionContext),
  });
});
// RFC 9728 metadata at the bare well-known path too (some clients look there first): the /mcp document.
edge.all(ROOT_RESOURCE_METADATA, (c) =>
  frontDoorFor(c.env).fetch(resourceMetadataRequest(c.req.raw), providerEnv(c.env), c.executionCtx as ExecutionContext),
);
// Hono types its context's ExecutionContext more narrowly than workers-types; it is the same object.
edge.all("*", (c) => frontDoorFor(c.env).fetch(c.req.raw, providerEnv(c.env), c.executionCtx as ExecutionContext));

export default {
  async fetch(request, env, ctx) {
    return edge.fetch(request, env, ctx);
  },
  /** The daily cron (wrangler.toml [triggers]): audit retention. */
  async scheduled(controller, env) {
    await applyAuditRetention(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
