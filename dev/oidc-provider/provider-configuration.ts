// How the local OpenID provider behaves: authorization code with S256 PKCE only, ID tokens that
// carry email, name and groups, sign-in through our own pages, in-memory state.
import type { JWK } from "jose";
import { z } from "zod";
import type { UserDirectory } from "./demo-users.ts";
import { INTERACTION_PATH } from "./interactions.ts";
import { renderErrorPage } from "./pages.ts";

export const OidcClient = z.object({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  redirect_uris: z.array(z.url()).min(1),
  /** How the client authenticates at the token endpoint; HTTP Basic unless said otherwise. */
  token_endpoint_auth_method: z.enum(["client_secret_basic", "client_secret_post"]).optional(),
});
export type OidcClient = z.infer<typeof OidcClient>;

/** Scopes and the claims each releases. `groups` is its own scope, as at Okta and Keycloak. */
const CLAIMS_BY_SCOPE = {
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name"],
  groups: ["groups"],
};

// Lifetimes in seconds: short, this provider only serves sign-ins during local runs and tests.
const TTL_SECONDS = {
  AccessToken: 10 * 60,
  AuthorizationCode: 60,
  IdToken: 10 * 60,
  Interaction: 10 * 60,
  Session: 60 * 60,
  Grant: 60 * 60,
};

type KoaContext = { type: string; body: string };

export type ProviderSettings = {
  clients: readonly OidcClient[];
  users: UserDirectory;
  signingKey: JWK;
  /** Signs the provider's cookies; kept across key rotations so sessions survive them. */
  cookieKeys: string[];
  /** Shared across key rotations so interactions, sessions and codes survive them. */
  adapter: (model: string) => unknown;
};

export function providerConfiguration(settings: ProviderSettings): Record<string, unknown> {
  const { users } = settings;
  return {
    adapter: settings.adapter,
    clients: settings.clients.map((client) => ({
      ...client,
      grant_types: ["authorization_code"],
      response_types: ["code"],
    })),
    jwks: { keys: [settings.signingKey] },
    cookies: { keys: settings.cookieKeys },
    claims: CLAIMS_BY_SCOPE,
    scopes: ["openid"],
    responseTypes: ["code"],
    // Without this, claims go to userinfo only whenever an access token is also issued.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // A registered redirect URI must always be sent, as the Worker will.
    allowOmittingSingleRegisteredRedirectUri: false,
    features: { devInteractions: { enabled: false }, userinfo: { enabled: true } },
    ttl: TTL_SECONDS,
    clientBasedCORS: () => false,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PATH}${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const user = users.findBySub(sub);
      if (user === undefined) return undefined;
      return {
        accountId: user.sub,
        async claims() {
          return { sub: user.sub, email: user.email, email_verified: true, name: user.name, groups: user.groups };
        },
      };
    },
    async renderError(ctx: KoaContext, out: { error: string; error_description?: string }) {
      ctx.type = "html";
      ctx.body = await renderErrorPage("Sign-in failed", out.error_description ?? out.error);
    },
  };
}
