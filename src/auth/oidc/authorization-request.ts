// The redirect that sends the user to the OpenID provider: authorization code flow with PKCE S256,
// a `state` that names our single-use sign-in record and a `nonce` that the ID token must echo.
import type { OidcSettings } from "../../config";
import type { ProviderMetadata } from "./discovery";

export type AuthorizationRequestParams = { redirectUri: string; state: string; nonce: string; codeChallenge: string };

export function idpAuthorizationUrl(provider: ProviderMetadata, settings: OidcSettings, params: AuthorizationRequestParams): string {
  const url = new URL(provider.authorization_endpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("redirect_uri", params.redirectUri);
  url.searchParams.set("scope", settings.scopes.join(" "));
  url.searchParams.set("state", params.state);
  url.searchParams.set("nonce", params.nonce);
  url.searchParams.set("code_challenge", params.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.href;
}
