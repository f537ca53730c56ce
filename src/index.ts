// Wiring only. The OAuth provider answers the OAuth endpoints and guards /mcp; every other path
// goes to the Hono app (sign-in pages, health, redemption).
import { OAuthProvider } from "@cloudflare/workers-oauth-provider";
import { createMcpHandler } from "agents/mcp/server";
import { Hono } from "hono";
import { frontDoorOptions, MCP_ROUTE } from "./auth/front-door";
import { signInRoutes } from "./auth/sign-in-routes";
import { loadConfig } from "./config";
import { errorResponse, onError } from "./http/error-response";
import { redeemRoutes } from "./http/redeem";
import { ciRoutes } from "./ci/ci-routes";
import { createMcpServer } from "./mcp/server";
import { secretServerClientFor } from "./secret-server";

export { JtiReplayStore } from "./ci/jti-replay-store";
export { SignInStateStore } from "./auth/sign-in-state-store";
export { TicketStore } from "./tickets/ticket-store";

const app = new Hono<{ Bindings: Env }>();
app.onError(onError);
app.get("/health", (c) => c.json({ ok: true }));
app.route("/", signInRoutes);
app.route("/", redeemRoutes((env) => secretServerClientFor(loadConfig(env).secretServer)));
app.route("/", ciRoutes((env) => secretServerClientFor(loadConfig(env).secretServer)));

/** Built once per env: the resource URL and the accepted Host come from PUBLIC_URL. */
const frontDoors = new WeakMap<object, OAuthProvider<Env>>();

function frontDoorFor(env: Env): OAuthProvider<Env> {
  let frontDoor = frontDoors.get(env);
  if (!frontDoor) {
    const config = loadConfig(env);
    const mcp = createMcpHandler(createMcpServer, {
      route: MCP_ROUTE,
      // DNS-rebinding defence: /mcp answers only under the public host name.
      allowedHostnames: [new URL(config.publicUrl).hostname],
    });
    frontDoor = new OAuthProvider<Env>(
      frontDoorOptions(config, { apiHandler: { fetch: (request, env, ctx) => mcp(request, env, ctx) }, defaultHandler: app }),
    );
    frontDoors.set(env, frontDoor);
  }
  return frontDoor;
}

export default {
  async fetch(request, env, ctx) {
    try {
      return await frontDoorFor(env).fetch(request, env, ctx);
    } catch (err) {
      return errorResponse(err);
    }
  },
} satisfies ExportedHandler<Env>;
