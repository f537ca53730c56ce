// Access tokens for Secret Server, and where its REST API lives. Password mode: Secret Server's own
// password grant. Platform mode: the Delinea Platform's client-credentials grant, then the vault
// broker's default active vault, used with the same token. A token is cached until shortly before
// it expires, and concurrent callers share one token request.
//
// Refresh tokens are not used: Secret Server may not issue them, they are single use (two
// isolates refreshing at once would lock one out), and a new password grant costs the same.
import type { SecretServerSettings } from "../config";
import { isSecureOrLoopback } from "../secure-url";
import { ClaimcheckError } from "../errors";
import { expectJson, isSuccess, upstreamErrorCode } from "./answers";
import { tokenAnswer, vaultsAnswer } from "./schemas";
import type { Transport, UpstreamAnswer } from "./transport";

export type Session = { token: string; apiBase: string };

export type TokenSource = {
  session(): Promise<Session>;
  /** Drops `token` if it is still the cached one (another caller may already have replaced it). */
  invalidate(token: string): void;
};

/** Refresh this long before expiry at most, so a token never dies mid-redemption... */
const EARLY_REFRESH_MAX_MS = 60_000;
/** ...and at most this share of a short lifetime, so short-lived tokens are still reused. */
const EARLY_REFRESH_SHARE = 0.1;

const FORM = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };

function grantRefused(answer: UpstreamAnswer): ClaimcheckError {
  const code = upstreamErrorCode(answer);
  // Wrong app-account credentials are the operator's to fix; an outage is not.
  const refused = answer.status === 400 || answer.status === 401 || answer.status === 403;
  return new ClaimcheckError(refused ? "CONFIG_INVALID" : "UPSTREAM_UNAVAILABLE", {
    detail: `token request refused: ${answer.status}${code ? ` ${code}` : ""}`,
  });
}

function vaultUrl(answer: UpstreamAnswer): string {
  const { vaults } = expectJson(answer, vaultsAnswer, "vault broker");
  const url = vaults.find((v) => v.isDefault && v.isActive)?.connection?.url;
  const parsed = url && URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !isSecureOrLoopback(parsed)) {
    throw new ClaimcheckError("UPSTREAM_BAD_RESPONSE", { detail: "vault broker named no usable default active vault" });
  }
  return parsed.href.replace(/\/+$/, "");
}

export function createTokenSource(
  settings: SecretServerSettings,
  transport: Transport,
  options: { now: () => number; timeoutMs: number },
): TokenSource {
  const { now } = options;
  let cached: (Session & { refreshAt: number }) | undefined;
  let inFlight: Promise<Session> | undefined;
  let apiBase: string | undefined = settings.mode === "password" ? settings.url : undefined;

  async function grant(): Promise<{ token: string; lifetimeMs: number }> {
    const [url, form] =
      settings.mode === "password"
        ? [
            `${settings.url}/oauth2/token`,
            new URLSearchParams({
              username: settings.username,
              password: settings.password,
              grant_type: "password",
              ...(settings.domain ? { domain: settings.domain } : {}),
            }),
          ]
        : [
            `${settings.platformUrl}/identity/api/oauth2/token/xpmplatform`,
            new URLSearchParams({
              grant_type: "client_credentials",
              client_id: settings.clientId,
              client_secret: settings.clientSecret,
              scope: "xpmheadless",
            }),
          ];
    const answer = await transport.send(new URL(url), { method: "POST", headers: FORM, body: form.toString() });
    if (!isSuccess(answer)) throw grantRefused(answer);
    const grant = expectJson(answer, tokenAnswer, "token endpoint");
    return { token: grant.access_token, lifetimeMs: grant.expires_in * 1000 };
  }

  async function obtain(): Promise<Session> {
    const issuedAt = now();
    const { token, lifetimeMs } = await grant();
    if (apiBase === undefined && settings.mode === "platform") {
      const answer = await transport.send(new URL(`${settings.platformUrl}/vaultbroker/api/vaults`), {
        method: "GET",
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      });
      apiBase = vaultUrl(answer);
    }
    const early = Math.min(EARLY_REFRESH_MAX_MS, lifetimeMs * EARLY_REFRESH_SHARE);
    cached = { token, apiBase: apiBase!, refreshAt: issuedAt + lifetimeMs - early };
    return { token, apiBase: apiBase! };
  }

  /**
   * Waits for another caller's token request, but not forever: in workerd that request may belong
   * to another client request whose I/O was cancelled, and its promise would then never settle.
   */
  async function joinInFlight(shared: Promise<Session>): Promise<Session | undefined> {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)));
    try {
      return await Promise.race([shared, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async session() {
      if (cached && now() < cached.refreshAt) return { token: cached.token, apiBase: cached.apiBase };
      if (inFlight) {
        const joined = await joinInFlight(inFlight);
        if (joined) return joined;
      }
      const mine = obtain();
      inFlight = mine;
      try {
        return await mine;
      } finally {
        if (inFlight === mine) inFlight = undefined;
      }
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
