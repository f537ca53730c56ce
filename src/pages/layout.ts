// The frame of every HTML page claimcheck shows to a person (consent, approvals, the audit view,
// errors): one stylesheet, headers that forbid framing and caching, and escaping for anything that
// came from a client, an agent or an IdP.
import { NO_STORE_HEADERS } from "../http/error-response";
import { randomHandle } from "../auth/digest";

export const PRODUCT_NAME = "claimcheck";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `
  :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --warn-bg: #fff8c5; --warn-line: #d4a72c; }
  * { box-sizing: border-box; }
  body { margin: 0; background: #f6f8fa; color: var(--ink); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  header { display: flex; align-items: center; gap: 10px; padding: 14px 24px; border-bottom: 1px solid var(--line); background: #fff; }
  /* The mark: a ticket and its stub, drawn in CSS (the page loads nothing). */
  header i { width: 28px; height: 18px; border-radius: 4px; background: linear-gradient(90deg, var(--accent) 0 66%, transparent 66% 74%, var(--accent) 74%); }
  header strong { font-size: 18px; letter-spacing: .01em; }
  header span { color: var(--muted); font-size: 14px; }
  main { max-width: 560px; margin: 40px auto; padding: 32px; background: #fff; border: 1px solid var(--line); border-top: 4px solid var(--accent); border-radius: 8px; box-shadow: 0 1px 3px rgba(27, 31, 36, .06); }
  h1 { font-size: 22px; line-height: 1.3; margin: 0 0 16px; }
  .who { color: var(--muted); font-size: 14px; margin: 0 0 24px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 8px 16px; margin: 0 0 20px; }
  dt { color: var(--muted); }
  dd { margin: 0; overflow-wrap: anywhere; }
  code { font: 14px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
  .note { color: var(--muted); font-size: 14px; }
  .note.audit { border-top: 1px solid var(--line); padding-top: 12px; margin-bottom: 0; }
  .badge { display: inline-block; margin-left: 6px; padding: 0 8px; border: 1px solid var(--warn-line); border-radius: 999px; background: var(--warn-bg); font-size: 12px; font-weight: 600; line-height: 20px; vertical-align: 1px; }
  .warning { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; padding: 12px; margin: 0 0 20px; }
  ul { padding-left: 20px; margin: 8px 0 20px; }
  /* Deny comes first in the form, so Enter denies; Approve is shown last, on the right. */
  form { display: flex; justify-content: flex-end; gap: 12px; margin: 24px 0 16px; }
  button { font: inherit; padding: 8px 20px; border-radius: 6px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
  button.approve { background: var(--accent); border-color: var(--accent); color: #fff; }
`;

/** `wide` for pages with tables (the audit view); `style` is more CSS of the page's own, under the same nonce. */
export type PageOptions = { wide?: boolean; style?: string };

/**
 * A complete page; `body` must already be escaped HTML. Its referrer policy is `same-origin`,
 * relaxing the `no-referrer` header for this document only: under `no-referrer` browsers send
 * `Origin: null` with the consent form's POST, which /consent refuses as cross-origin. Other
 * origins (the MCP client the user is sent back to) still get no Referer, so the IdP's code in the
 * /callback URL never leaves.
 */
export function htmlPage(title: string, body: string, status = 200, options: PageOptions = {}): Response {
  const nonce = randomHandle();
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} · ${PRODUCT_NAME}</title>
<style nonce="${nonce}">${STYLE}${options.style ?? ""}</style>
</head>
<body>
<header><i aria-hidden="true"></i><strong>${PRODUCT_NAME}</strong><span>Secret access for coding agents</span></header>
<main${options.wide ? ' class="wide"' : ""}>
${body}
</main>
</body>
</html>`;
  return new Response(html, {
    status,
    headers: {
      ...NO_STORE_HEADERS,
      "Content-Type": "text/html; charset=utf-8",
      // No scripts at all; the one stylesheet by nonce; never inside a frame (clickjacking).
      "Content-Security-Policy": `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'`,
      "X-Frame-Options": "DENY",
    },
  });
}

/** `message` is a public message (never internal detail); the title defaults to the sign-in's. */
export function errorPage(message: string, status: number, title = "Sign-in failed"): Response {
  return htmlPage(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`, status);
}
