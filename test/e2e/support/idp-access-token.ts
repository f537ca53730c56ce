// An access token the company's OpenID provider issued to the Worker's own registration, obtained
// the ordinary way (authorization code + S256 PKCE, the person signs in). Its audience is the
// provider's userinfo endpoint, not claimcheck's /mcp: tests present it where it does not belong.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { loginAndFollow } from "../harness/login-and-follow.ts";
import type { Credentials } from "../harness/page-handlers.ts";

const Discovery = z.object({ authorization_endpoint: z.url(), token_endpoint: z.url() });
const TokenAnswer = z.object({ access_token: z.string().min(1) });

export type IdpClient = { clientId: string; clientSecret: string; redirectUri: string };

export async function idpAccessToken(issuer: string, client: IdpClient, user: Credentials): Promise<string> {
  const discovery = Discovery.parse(await (await fetch(`${issuer}/.well-known/openid-configuration`)).json());
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL(discovery.authorization_endpoint);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: "code",
    scope: "openid email",
    state: randomBytes(16).toString("base64url"),
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  // Stops at the redirect to the Worker's /callback, which is never followed: the code is ours.
  const redirect = await loginAndFollow(authorize, { ...user, within: [issuer] });
  const code = redirect.searchParams.get("code");
  if (code === null) throw new Error("the OpenID provider sent no code");
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString("base64");
  const answer = await fetch(discovery.token_endpoint, {
    method: "POST",
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: client.redirectUri, code_verifier: verifier }),
  });
  if (!answer.ok) throw new Error(`the OpenID provider refused the code: HTTP ${answer.status}`);
  return TokenAnswer.parse(await answer.json()).access_token;
}
