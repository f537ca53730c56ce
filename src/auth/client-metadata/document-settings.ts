// CLIENT_ID_METADATA_DOCUMENTS and CLIENT_ID_METADATA_ALLOWED: whether claimcheck fetches the
// Client ID Metadata Documents that clients such as Codex, Claude Code and VS Code name themselves
// by, and which ones. Off, the authorization-server metadata does not advertise them, so clients
// register themselves (RFC 7591) instead; that is the local stack's default, because a Worker that
// cannot reach the document's host (offline, behind an egress filter) would otherwise stop every
// such sign-in. The allow-list narrows "any published client" to the ones an organisation approved.
import { z } from "zod";

export type ClientDocumentSettings = {
  enabled: boolean;
  /** URL prefixes a document's URL must start with; undefined: any document. */
  allowed: readonly string[] | undefined;
};

/** An https URL with a path names a document (the provider's own test, so both sides agree). */
export function isDocumentClientId(clientId: string | undefined): clientId is string {
  if (clientId === undefined || !URL.canParse(clientId)) return false;
  const url = new URL(clientId);
  return url.protocol === "https:" && clientId.slice(url.origin.length).length > 0;
}

/**
 * A prefix always ends its host: `https://claude.ai` is read as `https://claude.ai/`, so it cannot
 * match `https://claude.ai.evil.example/...`.
 */
function normalisedPrefix(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  if (url.protocol !== "https:" || url.username || url.password || url.hash || url.search) return undefined;
  return text.slice(url.origin.length) === "" ? `${url.origin}/` : text;
}

function listOf(text: string): unknown {
  if (!text.trim().startsWith("[")) return text.split(/[\s,]+/).filter(Boolean);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON list or a comma- or space-separated list of https URL prefixes; at least one. */
export const DocumentPrefixes = z.string().transform((text, ctx) => {
  const items = listOf(text);
  if (!Array.isArray(items) || items.length === 0 || !items.every((i) => typeof i === "string")) {
    ctx.addIssue({ code: "custom", message: "must list https URL prefixes (to refuse every document, set CLIENT_ID_METADATA_DOCUMENTS=off)" });
    return z.NEVER;
  }
  const prefixes = items.map(normalisedPrefix);
  const bad = prefixes.findIndex((p) => p === undefined);
  if (bad >= 0) {
    ctx.addIssue({ code: "custom", message: `entry ${bad + 1} is not an https URL prefix without query, fragment or userinfo` });
    return z.NEVER;
  }
  return prefixes as string[];
});

export function isAllowedDocument(settings: ClientDocumentSettings, url: string): boolean {
  return settings.allowed === undefined || settings.allowed.some((prefix) => url.startsWith(prefix));
}
