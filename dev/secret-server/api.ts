// The /api/v1 routes the claimcheck client uses: secrets by id or path, their summaries, one field,
// search, state, comment-restricted reads, check-out/check-in, folders, secret templates, the
// secret's own audit trail, access requests (access-requests.ts) and writes (writes.ts). In
// SDK-only mode, only what Delinea's SDKs call (see README): the other routes answer 404, search
// ignores every filter but the text, and nothing asks for a check-out.
import { accessRequestRoute } from "./access-requests.ts";
import {
  accessDenied,
  checkedOutByOther,
  fieldNotFound,
  folderModel,
  isRestricted,
  json,
  page,
  secretModel,
  secretSummary,
  stateModel,
  unauthorized,
} from "./shapes.ts";
import { bearerPrincipal } from "./auth.ts";
import { accessGate } from "./gates.ts";
import { flag, intParam, param } from "./request-parts.ts";
import { templateModel } from "./template-shapes.ts";
import { secretWriteRoute, writeRoute } from "./writes.ts";
import type { SeedSecret } from "./seed.ts";
import type { Principal, Store } from "./store.ts";

export type ApiOptions = { sdkOnly: boolean };
type Ctx = { store: Store; request: Request; url: URL; principal: Principal } & ApiOptions;

/** `db/prod`, `\db\prod\` and `\\db\\prod` all name the same secret; names compare case-insensitively. */
function normalisePath(path: string): string {
  return `\\${path.split(/[\\/]+/).filter(Boolean).join("\\")}`.toLowerCase();
}

function findSecret(ctx: Ctx, id: number): SeedSecret | undefined {
  if (id !== 0) return ctx.store.secrets.get(id);
  const wanted = normalisePath(param(ctx.url, "secretPath") ?? "");
  for (const secret of ctx.store.secrets.values()) {
    const path = `${ctx.store.folderPath(secret.folderId)}\\${secret.name}`;
    if (normalisePath(path) === wanted) return secret;
  }
  return undefined;
}

/** The checks Secret Server makes before it shows a value (gates.ts). */
const viewGate = (ctx: Ctx, secret: SeedSecret, comment: string | undefined) => accessGate(ctx, secret, comment);

function recordView(ctx: Ctx, secret: SeedSecret, comment: string | undefined): void {
  ctx.store.stats.secretReads++;
  ctx.store.audit(secret.id, ctx.principal, "VIEW", comment);
}

function fieldAnswer(ctx: Ctx, secret: SeedSecret, slug: string, comment: string | undefined): Response {
  const item = secret.items.find((i) => i.slug === slug.toLowerCase());
  if (!item) return fieldNotFound();
  const gate = viewGate(ctx, secret, comment);
  if (gate) return gate;
  recordView(ctx, secret, comment);
  if (item.isFile) {
    return new Response(item.itemValue, {
      headers: {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="${item.filename ?? "attachment.bin"}"`,
      },
    });
  }
  return json(item.itemValue);
}

async function commentArgs(request: Request): Promise<{ comment?: string; forceCheckIn?: boolean }> {
  const text = await request.text();
  if (!text.trim()) return {};
  try {
    const body = JSON.parse(text) as { comment?: unknown; forceCheckIn?: unknown };
    return {
      ...(typeof body.comment === "string" ? { comment: body.comment } : {}),
      ...(body.forceCheckIn === true ? { forceCheckIn: true } : {}),
    };
  } catch {
    return {};
  }
}

function search(ctx: Ctx): Response {
  const text = (param(ctx.url, "filter.searchText") ?? "").toLowerCase();
  // SDK-only: the filters no SDK relies on are ignored, as a server that never heard of them would.
  const honour = (name: string) => (ctx.sdkOnly ? undefined : param(ctx.url, name));
  const exact = honour("filter.isExactMatch")?.toLowerCase() === "true";
  const folderId = honour("filter.folderId");
  const includeSub = flag(ctx.url, "filter.includeSubFolders");
  // Restricted secrets (comment required) are left out unless asked for, which is why integrations
  // that search by name (Delinea's PowerShell module among them) pass filter.includeRestricted=true.
  const includeRestricted = ctx.sdkOnly || flag(ctx.url, "filter.includeRestricted");
  const inFolder = (secret: SeedSecret) => {
    if (folderId === undefined) return true;
    const root = ctx.store.folderPath(Number(folderId)).toLowerCase();
    const own = ctx.store.folderPath(secret.folderId).toLowerCase();
    return includeSub ? own === root || own.startsWith(`${root}\\`) : secret.folderId === Number(folderId);
  };
  const matches = [...ctx.store.secrets.values()]
    .filter((s) => ctx.store.canSee(ctx.principal, s))
    .filter((s) => includeRestricted || !isRestricted(s))
    .filter((s) => (exact ? s.name.toLowerCase() === text : s.name.toLowerCase().includes(text)))
    .filter(inFolder)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => secretSummary(ctx.store, s));
  return json(page(matches, intParam(ctx.url, "skip", 0), intParam(ctx.url, "take", 10)));
}

function folder(ctx: Ctx, id: number): Response {
  let folderId = id;
  if (id === 0) {
    const wanted = normalisePath(param(ctx.url, "folderPath") ?? "");
    folderId = [...ctx.store.folders.keys()].find((f) => normalisePath(ctx.store.folderPath(f)) === wanted) ?? -1;
  }
  const model = folderModel(ctx.store, folderId);
  return model ? json(model) : accessDenied();
}

async function secretRoute(ctx: Ctx, secret: SeedSecret, rest: string): Promise<Response | undefined> {
  const { store, request, url, principal } = ctx;
  const method = request.method;
  const write = await secretWriteRoute(ctx, secret, rest);
  if (write) return write;
  if (rest === "" && method === "GET") {
    const comment = param(url, "autoComment");
    const gate = viewGate(ctx, secret, comment);
    if (gate) return gate;
    recordView(ctx, secret, comment);
    return json(secretModel(store, secret));
  }
  const field = /^\/fields\/([^/]+)$/.exec(rest);
  if (field && method === "GET") return fieldAnswer(ctx, secret, decodeURIComponent(field[1]!), param(url, "autoComment"));
  if (ctx.sdkOnly) return undefined;
  const restrictedField = /^\/restricted\/fields\/([^/]+)$/.exec(rest);
  if (restrictedField && method === "POST") {
    const { comment } = await commentArgs(request);
    return fieldAnswer(ctx, secret, decodeURIComponent(restrictedField[1]!), comment);
  }
  if (rest === "/restricted" && method === "POST") {
    const { comment } = await commentArgs(request);
    const gate = viewGate(ctx, secret, comment);
    if (gate) return gate;
    recordView(ctx, secret, comment);
    return json(secretModel(store, secret));
  }
  // The summary a search lists, for one secret: no values, so no comment or check-out needed and no audit.
  if (rest === "/summary" && method === "GET") return json(secretSummary(store, secret));
  if (rest === "/state" && method === "GET") return json(stateModel(store, secret, principal));
  if (rest === "/audits" && method === "GET") {
    const records = store.auditsFor(secret.id).map((a) => ({
      ...a,
      actionForDisplay: a.action,
      databaseName: null,
      ticketNumber: null,
      status: null,
      hasProxySessionData: false,
      recordingSessionId: null,
    }));
    return json(page(records, intParam(url, "skip", 0), intParam(url, "take", 10)));
  }
  if (rest === "/check-out" && method === "POST") {
    const holder = store.checkedOutBy(secret.id);
    if (holder !== undefined && holder !== principal.username) return checkedOutByOther();
    store.checkOut(secret.id, principal.username);
    store.audit(secret.id, principal, "CHECKOUT", undefined);
    return json({ responseCodes: [] });
  }
  if (rest === "/check-in" && method === "POST") {
    const { comment, forceCheckIn } = await commentArgs(request);
    const holder = store.checkedOutBy(secret.id);
    if (holder !== undefined && holder !== principal.username && !forceCheckIn) return checkedOutByOther();
    store.checkIn(secret.id);
    store.audit(secret.id, principal, "CHECKIN", comment);
    return json(secretSummary(store, secret));
  }
  return undefined;
}

/** Handles /api/v1/*; undefined when no route matches (the caller answers 404). */
export async function apiRoute(store: Store, request: Request, url: URL, options: ApiOptions): Promise<Response | undefined> {
  const path = url.pathname.replace(/^\/api\/v1/i, "");
  if (path.toLowerCase() === "/healthcheck" && request.method === "GET") {
    const now = new Date().toISOString();
    return json({ healthy: true, databaseMismatch: false, readOnlyMode: false, now, utcNow: now });
  }
  const principal = bearerPrincipal(store, request);
  if (!principal) return unauthorized();
  const ctx: Ctx = { store, request, url, principal, ...options };
  const write = await writeRoute(ctx, path);
  if (write) return write;

  if (/^\/secrets\/?$/i.test(path) && request.method === "GET") return search(ctx);
  const folderMatch = /^\/folders\/(\d+)$/i.exec(path);
  if (folderMatch && request.method === "GET") return folder(ctx, Number(folderMatch[1]));
  const templateMatch = /^\/secret-templates\/(\d+)$/i.exec(path);
  if (templateMatch && request.method === "GET") {
    // An unknown template gets the same Access Denied as an unknown secret or folder.
    const template = store.templates.get(Number(templateMatch[1]));
    return template ? json(templateModel(store, template)) : accessDenied();
  }
  const accessRequests = /^\/secret-access-requests(\/.*)?$/i.exec(path);
  if (accessRequests) {
    if (options.sdkOnly) return undefined;
    return accessRequestRoute(store, request, (accessRequests[1] ?? "").replace(/\/$/, ""), principal);
  }
  const secretMatch = /^\/secrets\/(\d+)(\/.*)?$/i.exec(path);
  if (!secretMatch) return undefined;
  const secret = findSecret(ctx, Number(secretMatch[1]));
  if (!secret || !store.canSee(principal, secret)) return accessDenied();
  return secretRoute(ctx, secret, (secretMatch[2] ?? "").replace(/\/$/, ""));
}
