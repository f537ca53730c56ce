// The audit page's filters, from the query string (so a filtered view is a link anyone with
// access can open): event (repeatable), email, secret path glob, OAuth client, ticket id,
// subject, and a time range. Parsed with zod; a malformed filter is refused, naming the filter.
import { z } from "zod";
import { AUDIT_EVENTS } from "../audit-log";
import { ClaimcheckError } from "../../errors";

/** Longest text a filter takes: well above any email, path or client id, bounded for the query. */
const MAX_FILTER_CHARS = 512;

const text = z.string().trim().max(MAX_FILTER_CHARS).optional().transform((s) => (s ? s : undefined));

/**
 * `2026-11-29`, `2026-11-29T10:00` (a datetime-local field) or a full ISO time; without a zone it
 * is UTC, as every time on the page is. Kept as the ISO string the `at` column compares with.
 */
const instant = text.transform((s, ctx) => {
  if (s === undefined) return undefined;
  const zoned = /(?:Z|[+-]\d{2}:\d{2})$/i.test(s) || /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : `${s}Z`;
  const ms = Date.parse(zoned);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: "must be a date or time like 2026-11-29T10:00 (UTC)" });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

export const AuditFilters = z.object({
  event: z.array(z.enum(AUDIT_EVENTS)).default([]),
  email: text,
  /** A glob as in ACCESS_POLICY paths: `*` within a folder, `**` across folders, `?` one character. */
  secret_path: text,
  client_id: text,
  ticket_id: text.pipe(z.string().regex(/^[0-9a-f]{12}$/i, "must be 12 hex characters").transform((s) => s.toLowerCase()).optional()),
  subject: text,
  /** Inclusive. */
  from: instant,
  /** Exclusive. */
  to: instant,
});
export type AuditFilters = z.infer<typeof AuditFilters>;

/** No filter at all: the whole trail. */
export const NO_FILTERS: AuditFilters = AuditFilters.parse({});

/** The names the query string uses, in the order links are built. */
export const FILTER_NAMES = ["event", "email", "secret_path", "client_id", "ticket_id", "subject", "from", "to"] as const;

/** Reads the filters of a request's query; throws BAD_REQUEST naming the filter that is wrong. */
export function filtersOf(query: URLSearchParams): AuditFilters {
  const events = query.getAll("event").filter((e) => e !== "");
  const raw = Object.fromEntries(FILTER_NAMES.filter((n) => n !== "event").map((n) => [n, query.get(n) ?? undefined]));
  const parsed = AuditFilters.safeParse({ ...raw, event: events });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? "filter");
  throw new ClaimcheckError("BAD_REQUEST", { message: `The filter ${name} is not valid: ${issue.message}.`, detail: `audit_filter_${name}` });
}

/** The query string that reproduces these filters (for links, paging and the export). */
export function filterQuery(filters: AuditFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const event of filters.event) query.append("event", event);
  for (const name of FILTER_NAMES) {
    if (name === "event") continue;
    const value = filters[name];
    if (value !== undefined) query.set(name, value);
  }
  return query;
}

export function hasFilters(filters: AuditFilters): boolean {
  return filterQuery(filters).size > 0;
}
