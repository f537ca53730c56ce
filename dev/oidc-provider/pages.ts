// The HTML the local OpenID provider shows a person: its sign-in form and its error page.
// Every value is escaped by hono's `html` tag; the page loads nothing from elsewhere.
import type { ServerResponse } from "node:http";
import { html } from "hono/html";

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; }
  main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px;
         box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  p.lead { margin: 0 0 1.5rem; color: #5a6275; font-size: .9rem; }
  label { display: block; font-size: .9rem; margin: 1rem 0 .25rem; }
  input { box-sizing: border-box; width: 100%; padding: .55rem .6rem; font: inherit;
          border: 1px solid #b8bfcc; border-radius: 4px; }
  button { margin-top: 1.5rem; width: 100%; padding: .6rem; font: inherit; font-weight: 600;
           color: #fff; background: #2457c5; border: 0; border-radius: 4px; cursor: pointer; }
  .error { color: #a4161a; background: #fde8e8; padding: .6rem .8rem; border-radius: 4px; }
`;

// No scripts, no framing, nothing cached. No form-action directive: browsers apply it to the
// redirects after the post, and those leave for the relying party's callback.
const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
};

async function layout(title: string, body: unknown): Promise<string> {
  return String(await html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body>
</html>`);
}

export type LoginPage = {
  /** Where the form posts to. */
  action: string;
  /** Shown as "to continue to …". */
  clientId: string;
  /** Typed email, kept after a failed attempt; never the password. */
  email?: string;
  error?: string;
};

export async function renderLoginPage(page: LoginPage): Promise<string> {
  return layout(
    "Sign in",
    html`<h1>Sign in</h1>
<p class="lead">Local test identity provider, to continue to <strong>${page.clientId}</strong>.</p>
${page.error === undefined ? "" : html`<p class="error" role="alert">${page.error}</p>`}
<form method="post" action="${page.action}">
  <label for="username">Email</label>
  <input id="username" name="username" type="email" autocomplete="username" required autofocus value="${page.email ?? ""}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
  );
}

export async function renderErrorPage(title: string, message: string): Promise<string> {
  return layout(title, html`<h1>${title}</h1><p class="error" role="alert">${message}</p>`);
}

export function sendPage(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...PAGE_HEADERS, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
