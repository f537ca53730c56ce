// POST /audit/revoke-user and POST /audit/revoke-client: the incident actions of the audit pages.
// For AUDIT_VIEWERS only, signed in through the shared browser session, with the session's CSRF
// token and our Origin; a refusal changes nothing. The answer is a page saying what was revoked.
import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { requireViewer } from "../audit/view/audit-access";
import { AUDIT_ROUTE } from "../audit/view/audit-links";
import { AUDIT_STYLE } from "../audit/view/audit-style";
import { loadConfig } from "../config";
import { ClaimcheckError } from "../errors";
import { requestContext } from "../http/bearer";
import { logEvent } from "../log";
import type { BrowserSession } from "../pages/browser-session";
import { checkCsrf } from "../pages/csrf";
import { errorPage, escapeHtml, htmlPage } from "../pages/layout";
import { secretServerClientFor } from "../secret-server";
import { REVOKE_CLIENT_ROUTE, REVOKE_USER_ROUTE } from "./incident-forms";
import { revokeClientAccess, revokeUserAccess, type IncidentDeps, type IncidentOutcome } from "./revoke-access";

type Bindings = Env & { OAUTH_PROVIDER: OAuthHelpers };
type IncidentContext = Context<{ Bindings: Bindings }>;

/** Subjects and client ids are opaque; bounded so they fit a KV key and a page. */
const Target = z.string().trim().min(1).max(512);

type Action = { field: "subject" | "client_id"; run: (deps: IncidentDeps, target: string, by: { sub: string; email: string }) => Promise<IncidentOutcome>; what: string };

function donePage(viewer: BrowserSession, action: Action, target: string, outcome: IncidentOutcome): Response {
  const grants = outcome.grants === "all" ? "the client's registration and every grant it held" : `${outcome.grants} OAuth grant${outcome.grants === 1 ? "" : "s"}`;
  return htmlPage(
    "Access revoked",
    `<p class="who">Signed in as ${escapeHtml(viewer.identity.email)}</p>
<h1>Access revoked</h1>
<p>${action.what} <code>${escapeHtml(target)}</code>: revoked ${outcome.tickets} live ticket${outcome.tickets === 1 ? "" : "s"} in ${outcome.sessions} session${outcome.sessions === 1 ? "" : "s"}, and ${grants}.</p>
<p class="note">Their outstanding scripts now fail, and their agent must sign in again. OAuth state is in Workers KV, which takes up to a minute to forget a token everywhere: run the action again after a minute to catch a ticket minted meanwhile. Recorded as <code>admin_revoke</code>.</p>
<p><a href="${AUDIT_ROUTE}?event=admin_revoke">Incident actions in the audit trail</a></p>`,
    200,
    { wide: true, style: AUDIT_STYLE },
  );
}

async function handle(c: IncidentContext, action: Action): Promise<Response> {
  const config = loadConfig(c.env);
  const viewer = await requireViewer(c, config, AUDIT_ROUTE);
  if (viewer instanceof Response) return viewer;
  const form = await c.req.parseBody().catch(() => {
    throw new ClaimcheckError("BAD_REQUEST", { detail: "incident form unreadable" });
  });
  checkCsrf(c, config, viewer, form);
  const target = Target.safeParse(form[action.field]);
  if (!target.success) throw new ClaimcheckError("BAD_REQUEST", { message: `Say which ${action.what.toLowerCase()} to revoke.`, detail: `incident_${action.field}_missing` });
  const deps: IncidentDeps = {
    env: c.env,
    helpers: c.env.OAUTH_PROVIDER,
    config,
    source: secretServerClientFor(config.secretServer),
    context: requestContext(c.req.raw.headers),
  };
  const outcome = await action.run(deps, target.data, { sub: viewer.identity.sub, email: viewer.identity.email });
  logEvent("warn", "incident revocation", { event: "admin_revoke", subject: viewer.identity.sub, detail: action.field });
  return donePage(viewer, action, target.data, outcome);
}

export const incidentRoutes = new Hono<{ Bindings: Bindings }>();

incidentRoutes.post(REVOKE_USER_ROUTE, (c) => handle(c, { field: "subject", run: revokeUserAccess, what: "User" }));
incidentRoutes.post(REVOKE_CLIENT_ROUTE, (c) => handle(c, { field: "client_id", run: revokeClientAccess, what: "OAuth client" }));

incidentRoutes.onError((err) => {
  if (err instanceof ClaimcheckError) {
    logEvent("warn", "incident action refused", { event: "admin_revoke_failed", code: err.code, detail: err.detail });
    return errorPage(err.message, err.status, "Incident response");
  }
  logEvent("error", "incident action failed", { event: "admin_revoke_failed", error: err.name });
  return errorPage("The revocation did not complete. Run it again: it is safe to repeat.", 500, "Incident response");
});
