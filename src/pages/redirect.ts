// The one redirect that pages and the sign-in flow send: 302, never cached, with any cookies the
// step set (a browser binding, a browser session).
import { NO_STORE_HEADERS } from "../http/error-response";

export function redirectTo(location: string, ...setCookies: string[]): Response {
  const headers = new Headers({ ...NO_STORE_HEADERS, Location: location });
  for (const cookie of setCookies) headers.append("Set-Cookie", cookie);
  return new Response(null, { status: 302, headers });
}
