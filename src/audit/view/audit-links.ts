// Addresses of the audit pages, for links between them and for alerts.

export const AUDIT_ROUTE = "/audit";

/** Everything one ticket went through, oldest first. `ticketId` is the short id (12 hex). */
export function ticketLifePath(ticketId: string): string {
  return `${AUDIT_ROUTE}/tickets/${encodeURIComponent(ticketId)}`;
}

/** One audit row, for events that concern no ticket (a malformed ticket, a refresh token replay). */
export function auditEventPath(id: number): string {
  return `${AUDIT_ROUTE}/events/${id}`;
}
