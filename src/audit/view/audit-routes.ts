// The audit pages for AUDIT_VIEWERS: GET /audit (the trail, filtered and paged), GET
// /audit/tickets/<ticket id> (one ticket's whole life), GET /audit/events/<id> (one row), GET
// /audit/export (the same rows as CSV or NDJSON). Read-only; the incident actions that change
// state are POST routes in src/incident/. Every page: SSO browser session, viewer check, no-store,
// CSP with frame-ancestors 'none' (the shared layout), nothing escaped left out.
import type { OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import { Hono, type Context } from "hono";
import { loadConfig } from "../../config";
import { ClaimcheckError } from "../../errors";
import { logEvent } from "../../log";
import { errorPage } from "../../pages/layout";
import { requireViewer } from "./audit-access";
import { EXPORT_FORMATS, exportResponse, type ExportFormat } from "./audit-export";
import { filtersOf } from "./audit-filters";
import { AUDIT_ROUTE } from "./audit-links";
import { auditListPage } from "./audit-page";
import { auditPage, auditRowById, ticketLife } from "./audit-query";
import type { AuditRow } from "./audit-row";
import { auditEventPage, ticketLifePage } from "./ticket-life-page";

type Bindings = Env & { OAUTH_PROVIDER: OAuthHelpers };
type AuditContext = Context<{ Bindings: Bindings }>;

const TICKET_ID_PATTERN = /^[0-9a-f]{12}$/;
const ROW_ID_PATTERN = /^[1-9]\d{0,15}$/;

/**
 * Registered names of the clients on a page. A client id that is a URL (a Client ID Metadata
 * Document) is shown as is: looking it up would fetch the document on every page view.
 */
async function clientNames(c: AuditContext, rows: AuditRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.client_id && !URL.canParse(r.client_id) ? [r.client_id] : [])))];
  const found = await Promise.all(ids.map(async (id) => [id, (await c.env.OAUTH_PROVIDER.lookupClient(id).catch(() => null))?.clientName] as const));
  return new Map(found.flatMap(([id, name]) => (name ? [[id, name] as [string, string]] : [])));
}

export const auditRoutes = new Hono<{ Bindings: Bindings }>();

auditRoutes.get(AUDIT_ROUTE, async (c) => {
  const config = loadConfig(c.env);
  const viewer = await requireViewer(c, config);
  if (viewer instanceof Response) return viewer;
  const query = new URL(c.req.url).searchParams;
  const filters = filtersOf(query);
  const cursor = query.get("cursor") ?? undefined;
  const page = await auditPage(c.env.DB, filters, cursor);
  return auditListPage({ viewer, filters, page, clientNames: await clientNames(c, page.rows) }, cursor === undefined);
});

auditRoutes.get(`${AUDIT_ROUTE}/tickets/:ticketId`, async (c) => {
  const config = loadConfig(c.env);
  const viewer = await requireViewer(c, config);
  if (viewer instanceof Response) return viewer;
  const ticketId = c.req.param("ticketId").toLowerCase();
  if (!TICKET_ID_PATTERN.test(ticketId)) throw new ClaimcheckError("NOT_FOUND", { message: "No such ticket id: a ticket id is 12 hex characters.", detail: "audit_ticket_id_malformed" });
  const rows = await ticketLife(c.env.DB, ticketId);
  return ticketLifePage(viewer, ticketId, rows, await clientNames(c, rows));
});

auditRoutes.get(`${AUDIT_ROUTE}/events/:id`, async (c) => {
  const config = loadConfig(c.env);
  const viewer = await requireViewer(c, config);
  if (viewer instanceof Response) return viewer;
  const id = c.req.param("id");
  const row = ROW_ID_PATTERN.test(id) ? await auditRowById(c.env.DB, Number(id)) : undefined;
  if (!row) throw new ClaimcheckError("NOT_FOUND", { message: "No such audit event (it may have passed the retention period).", detail: "audit_event_unknown" });
  return auditEventPage(viewer, row, await clientNames(c, [row]));
});

auditRoutes.get(`${AUDIT_ROUTE}/export`, async (c) => {
  const config = loadConfig(c.env);
  const viewer = await requireViewer(c, config);
  if (viewer instanceof Response) return viewer;
  const query = new URL(c.req.url).searchParams;
  const format = query.get("format") ?? "csv";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ClaimcheckError("BAD_REQUEST", { message: "The export format must be csv or ndjson.", detail: "audit_export_format" });
  }
  const filters = filtersOf(query);
  logEvent("info", "audit export", { event: "audit_export", subject: viewer.identity.sub, detail: format });
  return exportResponse(c.env.DB, filters, format as ExportFormat);
});

auditRoutes.onError((err) => {
  if (err instanceof ClaimcheckError) {
    logEvent("warn", "audit page error", { event: "audit_page_failed", code: err.code, detail: err.detail });
    return errorPage(err.message, err.status, "Audit trail");
  }
  logEvent("error", "audit page error", { event: "audit_page_failed", error: err.name });
  return errorPage("Something went wrong. Reload the page.", 500, "Audit trail");
});
