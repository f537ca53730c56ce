// Why a sign-in by a Client ID Metadata Document stopped, told to the person in front of the
// browser: which document, what was wrong with it, and what to do next. The page never redirects
// (a client we could not verify has no redirect URI anyone vouched for), and names only the
// document's URL and our own reason, never the body the document's host answered.
import { escapeHtml, htmlPage } from "../../pages/layout";

export type DocumentProblem =
  | "off"
  | "not_allowed"
  | "unreachable"
  | "not_json"
  | "too_large"
  | "client_id_mismatch"
  | "has_secret"
  | "invalid"
  | "redirect_not_listed";

export type DocumentFacts = {
  /** How the fetch failed: `HTTP 404`, `timeout`, `network`. */
  fetch?: string | undefined;
  redirectUri?: string | undefined;
  listed?: readonly string[] | undefined;
};

export class ClientDocumentRefused extends Error {
  override readonly name = "ClientDocumentRefused";

  constructor(
    readonly documentUrl: string,
    readonly problem: DocumentProblem,
    readonly facts: DocumentFacts = {},
  ) {
    super(`client metadata document refused: ${problem}`);
  }
}

/**
 * The problem behind the OAuth provider's CimdFetchError, from its detail (the library's own
 * messages; a message it may add later falls to `invalid`, which is still true).
 */
export function problemOf(detail: string): { problem: DocumentProblem; facts: DocumentFacts } {
  const status = /HTTP (\d{3})/.exec(detail);
  if (status) return { problem: "unreachable", facts: { fetch: `HTTP ${status[1]}` } };
  if (/timed out/i.test(detail)) return { problem: "unreachable", facts: { fetch: "timeout" } };
  if (/not valid JSON|not valid UTF-8|must be a JSON object|body is empty/i.test(detail)) return { problem: "not_json", facts: {} };
  if (/size limit/i.test(detail)) return { problem: "too_large", facts: {} };
  if (/does not match metadata URL/i.test(detail)) return { problem: "client_id_mismatch", facts: {} };
  if (/client secret/i.test(detail)) return { problem: "has_secret", facts: {} };
  // The runtime's own words for a fetch that never got an answer (refused, DNS, TLS, no route).
  if (/network|connect|fetch failed|failed to fetch|dns|tls|ssl|certificate|refused|socket|lookup|internal error/i.test(detail)) {
    return { problem: "unreachable", facts: { fetch: "network" } };
  }
  return { problem: "invalid", facts: {} };
}

const FETCH_FAILURES: Record<string, string> = {
  timeout: "it did not answer within 10 seconds",
  network: "the connection failed (no network, or a firewall or egress filter in the way)",
};

function why(err: ClientDocumentRefused): string {
  const { problem, facts } = err;
  switch (problem) {
    case "off":
      return "This claimcheck does not fetch Client ID Metadata Documents (<code>CLIENT_ID_METADATA_DOCUMENTS=off</code>), so it cannot check who publishes this application.";
    case "not_allowed":
      return "The document is not on this claimcheck's list of approved applications (<code>CLIENT_ID_METADATA_ALLOWED</code>).";
    case "unreachable":
      return `claimcheck could not fetch the document: ${escapeHtml(FETCH_FAILURES[facts.fetch ?? ""] ?? `its host answered ${facts.fetch ?? "with an error"}`)}.`;
    case "not_json":
      return "The document is not JSON; it must be one JSON object.";
    case "too_large":
      return "The document is larger than 5 KiB, the most claimcheck reads.";
    case "client_id_mismatch":
      return "The document's <code>client_id</code> is not its own URL, so it cannot vouch for this application.";
    case "has_secret":
      return "The document contains a client secret, which a published document must never hold.";
    case "invalid":
      return "The document is not a valid client metadata document (a required field is missing or malformed, or it asks for something claimcheck does not offer).";
    case "redirect_not_listed": {
      const listed = (facts.listed ?? []).map((u) => `<code>${escapeHtml(u)}</code>`).join(", ") || "none";
      return `The application asked to send you back to <code>${escapeHtml(facts.redirectUri ?? "")}</code>, which its document does not list. It lists: ${listed}. (An address on this computer, <code>127.0.0.1</code>, <code>[::1]</code> or <code>localhost</code>, matches on any port.)`;
    }
  }
}

const REGISTER_INSTEAD =
  "Sign in again and let the client register itself instead: Codex: <code>codex mcp login claimcheck --oauth-client-registration dcr</code>; Claude Code and VS Code register themselves when claimcheck does not offer metadata documents.";

function nextSteps(err: ClientDocumentRefused, host: string): string[] {
  const waiting = "Your MCP client may still be waiting for this sign-in: stop it (Ctrl-C in a terminal) before you try again.";
  switch (err.problem) {
    case "off":
      return [waiting, REGISTER_INSTEAD];
    case "not_allowed":
      return [waiting, "Use an application your organisation approved, or ask your claimcheck administrator to add this one to <code>CLIENT_ID_METADATA_ALLOWED</code>."];
    case "unreachable":
      return [
        waiting,
        REGISTER_INSTEAD,
        `Or ask your claimcheck administrator to let it reach <code>${escapeHtml(host)}</code>, or to set <code>CLIENT_ID_METADATA_DOCUMENTS=off</code> where it cannot reach the internet.`,
      ];
    case "redirect_not_listed":
      return [
        "Do not continue: another program may be trying to receive your sign-in.",
        `If you just started this from the application itself, report the mismatch to its publisher (<code>${escapeHtml(host)}</code>).`,
      ];
    default:
      return [waiting, `The problem is in the application's published document, not in your setup: report it to its publisher (<code>${escapeHtml(host)}</code>).`, REGISTER_INSTEAD];
  }
}

export function clientDocumentPage(err: ClientDocumentRefused): Response {
  const host = URL.canParse(err.documentUrl) ? new URL(err.documentUrl).host : err.documentUrl;
  const title = err.problem === "off" ? "Metadata documents are turned off" : "This application could not be verified";
  const steps = nextSteps(err, host).map((s) => `  <li>${s}</li>`).join("\n");
  return htmlPage(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>The application names itself by the Client ID Metadata Document at <code>${escapeHtml(err.documentUrl)}</code>.</p>
<p class="warning">${why(err)}</p>
<p>What to do next:</p>
<ul>
${steps}
</ul>`,
    400,
  );
}
