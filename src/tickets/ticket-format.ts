// The claim ticket: `cct_<routing>_<key>`.
// - `cct_` makes tickets easy to spot for secret scanners and in reviews.
// - <routing> is the hex id of the session's TicketStore Durable Object, so the Worker reaches the
//   right object with no lookup. It is not secret: knowing it without the key gives nothing.
// - <key> is 32 bytes (256 bits) from crypto.getRandomValues, base64url: guessing is infeasible.
// Only SHA-256(ticket) is ever stored; `ticketId` (a 12-hex prefix of that hash) names a ticket in
// logs and the audit trail without revealing it.

import { base64url } from "jose";
import { sha256Hex } from "../digest";

const PREFIX = "cct_";
const KEY_BYTES = 32;
const TICKET_PATTERN = /^cct_([0-9a-f]{64})_([A-Za-z0-9_-]{43})$/;
const TICKET_ID_HEX_CHARS = 12;

export type ParsedTicket = { routing: string; ticket: string };

export function createTicket(routing: string): string {
  const key = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  return `${PREFIX}${routing}_${base64url.encode(key)}`;
}

/** Returns the routing part of a well-formed ticket, or undefined. Never throws. */
export function parseTicket(value: string): ParsedTicket | undefined {
  const match = TICKET_PATTERN.exec(value);
  return match ? { routing: match[1], ticket: value } : undefined;
}

export function hashTicket(ticket: string): Promise<string> {
  return sha256Hex(ticket);
}

export function ticketIdOf(hash: string): string {
  return hash.slice(0, TICKET_ID_HEX_CHARS);
}
