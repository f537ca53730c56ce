// Who gets past the door of the audit pages: a person signed in through the same SSO as the
// consent and approval pages (the shared browser session), and named in AUDIT_VIEWERS. Without a
// session the browser is sent to sign in and brought back; a signed-in non-viewer gets a 403 page
// that names nothing from the trail.
import type { Context } from "hono";
import type { Config } from "../../config";
import { logEvent } from "../../log";
import type { BrowserSession } from "../../pages/browser-session";
import { requirePageSession } from "../../pages/page-sign-in";
import { AUDIT_ROUTE } from "./audit-links";
import { notAViewerPage } from "./audit-page";
import { isAuditViewer } from "./audit-viewers";

/** The page to come back to after sign-in: this path and query, unless too long to carry. */
function returnPath(c: Context): string {
  const url = new URL(c.req.url);
  const full = url.pathname + url.search;
  return full.length <= 2048 ? full : url.pathname.length <= 2048 ? url.pathname : AUDIT_ROUTE;
}

/** The viewer's session, or the Response to send instead (the sign-in redirect, or the 403 page). */
export async function requireViewer<E extends { Bindings: Env }>(c: Context<E>, config: Config, returnTo = returnPath(c)): Promise<BrowserSession | Response> {
  const session = await requirePageSession(c, config, returnTo);
  if (session instanceof Response) return session;
  if (!isAuditViewer(config.auditViewers, session.identity)) {
    logEvent("warn", "audit pages refused", { event: "audit_view_refused", subject: session.identity.sub });
    return notAViewerPage(session);
  }
  return session;
}
