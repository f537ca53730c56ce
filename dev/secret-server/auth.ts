// The two ways in: Secret Server's own password/refresh grant at /oauth2/token, and the Delinea
// Platform's client-credentials grant plus the vault broker that names the Secret Server to use.
import { json, unauthorized } from "./shapes.ts";
import type { Principal, Store } from "./store.ts";

async function formOf(request: Request): Promise<URLSearchParams> {
  return new URLSearchParams(await request.text());
}

function tokenAnswer(store: Store, principal: Principal, extra: Record<string, unknown> = {}): Response {
  const { accessToken, refreshToken, expiresIn } = store.issueToken(principal);
  return json(
    { access_token: accessToken, token_type: "bearer", expires_in: expiresIn, refresh_token: refreshToken, ...extra },
    200,
    { "cache-control": "no-store" },
  );
}

// Secret Server's token endpoint answers bad credentials with 400 and an OAuth-style `error`
// string; the SDKs only rely on `error` being a string.
const invalidGrant = () => json({ error: "invalid_grant", error_description: "Login failed." }, 400);

export async function passwordTokenEndpoint(store: Store, request: Request): Promise<Response> {
  const form = await formOf(request);
  const grantType = form.get("grant_type");
  if (grantType === "refresh_token") {
    const principal = store.redeemRefreshToken(form.get("refresh_token") ?? "");
    return principal ? tokenAnswer(store, principal) : invalidGrant();
  }
  if (grantType !== "password") return json({ error: "unsupported_grant_type" }, 400);
  const domain = form.get("domain") ?? undefined;
  const user = store.seed.users.find(
    (u) =>
      u.username === form.get("username") &&
      u.password === form.get("password") &&
      (domain === undefined || domain.toLowerCase() === (u.domain ?? "").toLowerCase()),
  );
  if (!user) return invalidGrant();
  return tokenAnswer(store, { username: user.username, displayName: user.displayName });
}

export async function platformTokenEndpoint(store: Store, request: Request): Promise<Response> {
  const form = await formOf(request);
  if (form.get("grant_type") !== "client_credentials" || form.get("scope") !== "xpmheadless") {
    return json({ error: "invalid_request", error_description: "unsupported grant or scope" }, 400);
  }
  const client = store.seed.platformClients.find(
    (c) => c.clientId === form.get("client_id") && c.clientSecret === form.get("client_secret"),
  );
  if (!client) return json({ error: "invalid_client", error_description: "Client authentication failed." }, 400);
  return tokenAnswer(store, { username: client.clientId, displayName: client.displayName }, { scope: "xpmheadless" });
}

/** The vault broker names this stand-in itself (`selfUrl`) as the default, active vault. */
export function vaultsEndpoint(store: Store, request: Request, selfUrl: string): Response {
  if (!bearerPrincipal(store, request)) return unauthorized();
  return json({
    vaults: [
      {
        vaultId: "0f3a1c7e-5b1d-4c2a-9f0e-6d7c8b9a0e11",
        name: "Secret Server (stand-in)",
        type: "SecretServer",
        isDefault: true,
        isActive: true,
        connection: { url: selfUrl, oAuthProfileId: "xpmheadless" },
      },
    ],
  });
}

export function bearerPrincipal(store: Store, request: Request): Principal | undefined {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? store.principalFor(match[1]!) : undefined;
}
