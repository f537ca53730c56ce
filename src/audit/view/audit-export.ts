// GET /audit/export?format=csv|ndjson&<filters>: the rows the list shows for these filters, all of
// them, streamed batch by batch (one batch in memory at a time, never the table). CSV cells are
// escaped against formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or
// `@` (and tab or carriage return) as a formula, so such a cell gets a leading `'`, which
// spreadsheets show as text. Hostile text arrives in emails, user agents, client ids and paths.
import { NO_STORE_HEADERS } from "../../http/error-response";
import type { AuditFilters } from "./audit-filters";
import { matchingRows } from "./audit-query";
import type { AuditRow } from "./audit-row";

export const EXPORT_FORMATS = ["csv", "ndjson"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Rows per D1 read while streaming. */
const EXPORT_BATCH_ROWS = 500;

export const EXPORT_COLUMNS = [
  "id", "at", "event", "outcome", "subject", "email", "client_id", "session", "secret_id",
  "secret_path", "field", "ticket_id", "client_ip", "user_agent", "detail",
] as const satisfies readonly (keyof AuditRow)[];

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell (RFC 4180 quoting), defused against formula injection. */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(row: AuditRow): string {
  return `${EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(",")}\r\n`;
}

/** One JSON object per line; `detail` as the object it holds. */
export function ndjsonLine(row: AuditRow): string {
  let detail: unknown = null;
  try {
    detail = row.detail === null ? null : JSON.parse(row.detail);
  } catch {
    detail = row.detail;
  }
  return `${JSON.stringify({ ...row, detail })}\n`;
}

export function exportResponse(db: D1Database, filters: AuditFilters, format: ExportFormat, now = Date.now()): Response {
  const encoder = new TextEncoder();
  const batches = matchingRows(db, filters, EXPORT_BATCH_ROWS);
  const line = format === "csv" ? csvLine : ndjsonLine;
  let headerSent = format !== "csv";
  // Pull-based: the next batch is read only when the client has taken the previous one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${EXPORT_COLUMNS.join(",")}\r\n`));
        return;
      }
      const next = await batches.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(next.value.map(line).join("")));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const stamp = new Date(now).toISOString().replace(/[:.]/g, "-");
  return new Response(body, {
    headers: {
      ...NO_STORE_HEADERS,
      "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="claimcheck-audit-${stamp}.${format}"`,
      "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    },
  });
}
