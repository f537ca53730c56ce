// OpenID Provider discovery (OIDC Discovery 1.0): where to send the user, where to exchange the
// code, where the signing keys are. Cached per isolate; the document must name the configured
// issuer exactly, or an attacker-controlled document could redirect every sign-in.
import { z } from "zod";
import { secureUrlString } from "../../config";
import { ClaimcheckError } from "../../errors";
import { requestIdpJson } from "./idp-request";

/** Endpoints rarely move; an hour bounds how long a moved endpoint keeps failing. */
const DISCOVERY_CACHE_MS = 60 * 60_000;

const endpoint = secureUrlString;

const ProviderMetadata = z.object({
  issuer: z.string(),
  authorization_endpoint: endpoint,
  token_endpoint: endpoint,
  jwks_uri: endpoint,
  userinfo_endpoint: endpoint.optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});
export type ProviderMetadata = z.infer<typeof ProviderMetadata>;

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

const cache = new Map<string, { metadata: ProviderMetadata; fetchedAt: number }>();

export async function discoverProvider(issuer: string): Promise<ProviderMetadata> {
  const cached = cache.get(issuer);
  if (cached && Date.now() - cached.fetchedAt < DISCOVERY_CACHE_MS) return cached.metadata;
  // OIDC Discovery 4.1: drop a trailing slash from the issuer, then append the well-known path.
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const metadata = await requestIdpJson(url, { headers: { Accept: "application/json" } }, ProviderMetadata, "discovery");
  if (metadata.issuer !== issuer) throw new ClaimcheckError("SIGN_IN_FAILED", { detail: "discovery_issuer_mismatch" });
  cache.set(issuer, { metadata, fetchedAt: Date.now() });
  return metadata;
}

/** client_secret_basic unless the IdP lists only client_secret_post (basic is the spec default). */
export function clientAuthMethod(metadata: ProviderMetadata): ClientAuthMethod {
  const supported = metadata.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
  if (supported.includes("client_secret_basic")) return "client_secret_basic";
  if (supported.includes("client_secret_post")) return "client_secret_post";
  throw new ClaimcheckError("SIGN_IN_FAILED", { detail: "discovery_no_client_secret_auth" });
}
