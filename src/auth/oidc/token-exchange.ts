// Exchanges the IdP's authorization code for an ID token (and the access token that userinfo
// needs). The client authenticates with its secret, by HTTP Basic or in the form body, as the IdP
// advertises. The tokens live only in this request: nothing here is stored or handed on.
import { z } from "zod";
import type { OidcSettings } from "../../config";
import { clientAuthMethod, type ProviderMetadata } from "./discovery";
import { requestIdpJson } from "./idp-request";

const TokenResponse = z.object({
  id_token: z.string().min(1),
  access_token: z.string().min(1).optional(),
});
export type IdpTokens = z.infer<typeof TokenResponse>;

export type CodeExchange = { code: string; codeVerifier: string; redirectUri: string };

export async function exchangeCode(provider: ProviderMetadata, settings: OidcSettings, exchange: CodeExchange): Promise<IdpTokens> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    code_verifier: exchange.codeVerifier,
  });
  const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" });
  if (clientAuthMethod(provider) === "client_secret_basic") {
    // RFC 6749 2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
    const formEncode = (s: string) => new URLSearchParams({ s }).toString().slice(2);
    headers.set("Authorization", `Basic ${btoa(`${formEncode(settings.clientId)}:${formEncode(settings.clientSecret)}`)}`);
  } else {
    body.set("client_id", settings.clientId);
    body.set("client_secret", settings.clientSecret);
  }
  return requestIdpJson(provider.token_endpoint, { method: "POST", headers, body }, TokenResponse, "token");
}
