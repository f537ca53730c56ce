// POST /ci/redeem as the Worker serves it: the sub-app with the shared error mapping, the real
// JtiReplayStore and D1, and a Secret Server client on the test file's own stand-in tenant.
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { ciRoutes } from "../../../src/ci/ci-routes";
import { onError } from "../../../src/http/error-response";
import { createSecretServerClient } from "../../../src/secret-server";
import { standIn } from "../secret-server/stand-in";

export type Wanted = { path: string; field: string; name: string };

export function ciRoute(tenant: string) {
  const secretServer = standIn(tenant);
  const source = createSecretServerClient(secretServer.password, { maxRetries: 0 });
  const app = new Hono<{ Bindings: Env }>().route("/", ciRoutes(() => source));
  app.onError(onError);

  return {
    secretServer,
    /** Redeems with the binding's CI_TRUST, or with `bindings` (e.g. another CI_TRUST). */
    redeem(token: string, body: unknown, headers: Record<string, string> = {}, bindings: Env = env) {
      return app.request(
        "/ci/redeem",
        {
          method: "POST",
          // Each request from its own address, as jobs on their own runners are, so the per-address
          // rate limit stays out of the way (a test of the limit sets one address itself).
          headers: {
            Authorization: `Bearer ${token}`,
            "Content-Type": "application/json",
            "CF-Connecting-IP": `10.${crypto.getRandomValues(new Uint8Array(3)).join(".")}`,
            ...headers,
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        },
        bindings,
      );
    },
  };
}

/** The id of the newest audit row, so a test can read just the rows written after it. */
export async function lastAuditId(): Promise<number> {
  return (await env.DB.prepare("SELECT coalesce(max(id), 0) AS id FROM audit_events").first<{ id: number }>())!.id;
}

export type AuditRow = {
  event: string;
  outcome: string;
  subject: string | null;
  client_id: string | null;
  secret_id: number | null;
  secret_path: string | null;
  field: string | null;
  detail: Record<string, string> | null;
};

/** The audit rows written after `afterId`, oldest first, with `detail` parsed. */
export async function auditRowsAfter(afterId: number): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM audit_events WHERE id > ? ORDER BY id").bind(afterId).all();
  return results.map((row) => ({ ...(row as AuditRow), detail: row.detail ? JSON.parse(row.detail as string) : null }));
}
