// Reading the audit trail for the pages and the export: the filters become one parameterised
// WHERE clause (never text spliced into SQL), rows come newest first in keyset pages (a cursor
// names the last row shown, so a page is one indexed range read however deep it is, and rows
// written meanwhile do not shift later pages).
import { z } from "zod";
import { normalizeSecretPath } from "../../policy/access-policy";
import { matchesGlob } from "../../policy/glob";
import type { AuditFilters } from "./audit-filters";
import { AuditRow } from "./audit-row";

export const AUDIT_PAGE_ROWS = 50;


/** Where a page starts: strictly after (older than) this row. */
export type Position = { at: string; id: number };

const CURSOR_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,16})$/;

export function encodeCursor(row: Position): string {
  return `${row.at}_${row.id}`;
}

/** The cursor's position, or undefined for a malformed one (the first page is shown instead). */
export function decodeCursor(cursor: string | undefined): Position | undefined {
  const match = cursor === undefined ? null : CURSOR_PATTERN.exec(cursor);
  return match ? { at: match[1]!, id: Number(match[2]) } : undefined;
}

/**
 * A policy glob as a LIKE pattern that matches at least what the glob matches (`*`, `**` → `%`,
 * `?` → `_`; LIKE is case-insensitive for ASCII, as globs are). D1 has no user functions, so this
 * narrows the rows in SQL and matchesGlob decides on each one.
 */
function likePattern(glob: string): string {
  return glob.replace(/[\\%_]/g, (ch) => `\\${ch}`).replace(/\*+/g, "%").replace(/\?/g, "_");
}

type Where = { sql: string; params: (string | number)[] };

function whereOf(filters: AuditFilters, after: Position | undefined, order: "newest" | "oldest"): Where {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, ...values: (string | number)[]) => {
    clauses.push(clause.replace(/\?/g, () => `?${params.push(values.shift()!)}`));
  };
  if (filters.event.length) add(`event IN (${filters.event.map(() => "?").join(", ")})`, ...filters.event);
  if (filters.email) add("email = ? COLLATE NOCASE", filters.email);
  if (filters.secret_path) add("secret_path LIKE ? ESCAPE '\\'", likePattern(normalizeSecretPath(filters.secret_path)));
  if (filters.client_id) add("client_id = ?", filters.client_id);
  if (filters.ticket_id) add("ticket_id = ?", filters.ticket_id);
  if (filters.subject) add("subject = ?", filters.subject);
  if (filters.from) add("at >= ?", filters.from);
  if (filters.to) add("at < ?", filters.to);
  if (after) add(order === "newest" ? "(at < ? OR (at = ? AND id < ?))" : "(at > ? OR (at = ? AND id > ?))", after.at, after.at, after.id);
  return { sql: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
}

function matchesPath(filters: AuditFilters, row: AuditRow): boolean {
  if (!filters.secret_path) return true;
  return row.secret_path !== null && matchesGlob(normalizeSecretPath(filters.secret_path), normalizeSecretPath(row.secret_path));
}

/** One batch of rows after `after`, in `order`, before the exact path match. */
export async function readBatch(db: D1Database, filters: AuditFilters, after: Position | undefined, limit: number, order: "newest" | "oldest" = "newest"): Promise<AuditRow[]> {
  const where = whereOf(filters, after, order);
  const direction = order === "newest" ? "DESC" : "ASC";
  const { results } = await db
    .prepare(`SELECT * FROM audit_events ${where.sql} ORDER BY at ${direction}, id ${direction} LIMIT ?${where.params.length + 1}`)
    .bind(...where.params, limit)
    .all();
  return z.array(AuditRow).parse(results);
}

/**
 * Yields batches of matching rows, newest first, until the filters are exhausted. The export
 * streams these; nothing holds more than one batch.
 */
export async function* matchingRows(db: D1Database, filters: AuditFilters, batchRows: number): AsyncGenerator<AuditRow[]> {
  let after: Position | undefined;
  for (;;) {
    const batch = await readBatch(db, filters, after, batchRows);
    const last = batch.at(-1);
    if (!last) return;
    const matching = batch.filter((row) => matchesPath(filters, row));
    if (matching.length) yield matching;
    if (batch.length < batchRows) return;
    after = last;
  }
}

export type AuditPage = { rows: AuditRow[]; next: string | undefined };

/** Rows one page may look through when a path glob discards most candidates; the page then ends early with a cursor. */
const MAX_SCANNED_PER_PAGE = 5_000;
const SCAN_BATCH_ROWS = 200;

/** One page of AUDIT_PAGE_ROWS rows after the cursor, and the cursor of the next page if there is one. */
export async function auditPage(db: D1Database, filters: AuditFilters, cursor: string | undefined): Promise<AuditPage> {
  const rows: AuditRow[] = [];
  let after = decodeCursor(cursor);
  // Without a path glob every row SQL returns matches: one read of a page and one more row.
  const batchRows = filters.secret_path ? SCAN_BATCH_ROWS : AUDIT_PAGE_ROWS + 1;
  for (let scanned = 0; scanned < MAX_SCANNED_PER_PAGE; scanned += batchRows) {
    const batch = await readBatch(db, filters, after, batchRows);
    for (const row of batch) {
      if (!matchesPath(filters, row)) continue;
      if (rows.length === AUDIT_PAGE_ROWS) return { rows, next: encodeCursor(rows.at(-1)!) };
      rows.push(row);
    }
    if (batch.length < batchRows) return { rows, next: undefined };
    after = batch.at(-1)!;
  }
  // Looked through enough for one request: the next page carries on from here.
  return { rows, next: after ? encodeCursor(after) : undefined };
}

/** Every row of one ticket (by its short id), oldest first: its whole life. Bounded: a ticket has a handful. */
export async function ticketLife(db: D1Database, ticketId: string): Promise<AuditRow[]> {
  const { results } = await db.prepare("SELECT * FROM audit_events WHERE ticket_id = ?1 ORDER BY at, id LIMIT 500").bind(ticketId).all();
  return z.array(AuditRow).parse(results);
}

export async function auditRowById(db: D1Database, id: number): Promise<AuditRow | undefined> {
  const row = await db.prepare("SELECT * FROM audit_events WHERE id = ?1").bind(id).first();
  return row === null ? undefined : AuditRow.parse(row);
}
