// Structured JSON logs through one helper. Fields are an allowlist of non-secret names, so a
// value, ticket or token cannot reach a log line by accident: anything else is dropped.
const ALLOWED_FIELDS = new Set([
  "code",
  "detail",
  "error",
  "event",
  "outcome",
  "status",
  "ticketId",
  "secretId",
  "clientId",
  "subject",
  "path",
  "ms",
]);

export type LogLevel = "debug" | "info" | "warn" | "error";

export function logEvent(level: LogLevel, message: string, fields: Record<string, string | number | boolean | undefined> = {}): void {
  const line: Record<string, string | number | boolean> = { level, message };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && ALLOWED_FIELDS.has(key)) line[key] = value;
  }
  console[level === "debug" ? "log" : level](JSON.stringify(line));
}
