// Settings of the OAuth 2.1 authorization server in front of /mcp (workers-oauth-provider):
// RFC 8414 and RFC 9728 metadata, PKCE S256 (plain refused), dynamic client registration and
// Client ID Metadata Documents (when CLIENT_ID_METADATA_DOCUMENTS is on), tokens bound to the {PUBLIC_URL}/mcp resource, refresh tokens
// rotated on use. Only SHA-256 of tokens is stored; props are encrypted under the token.
import type { OAuthProviderOptions } from "@cloudflare/workers-oauth-provider";
import type { Config } from "../config";
import { logEvent } from "../log";
import { PRODUCT_NAME } from "../pages/layout";

/** Short: a token lets an agent mint tickets. Clients refresh silently. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/**
 * A working day, fixed from sign-in (not sliding): groups are read at sign-in, so a daily SSO
 * sign-in bounds how long a user removed from a group keeps that group in their grant.
 */
export const REFRESH_TOKEN_TTL_SECONDS = 12 * 60 * 60;

export const MCP_ROUTE = "/mcp";
export const TOKEN_ENDPOINT = "/oauth/token";
/**
 * RFC 9728 §3.1 puts a resource's metadata at this prefix plus the resource's path (the provider
 * serves `/.well-known/oauth-protected-resource/mcp`, and the 401 challenge links there), but a
 * client may ask at the bare prefix first. The one resource makes the answer unambiguous.
 */
export const ROOT_RESOURCE_METADATA = "/.well-known/oauth-protected-resource";

/** The same request, for the path-suffixed document the provider serves. */
export function resourceMetadataRequest(request: Request): Request {
  const url = new URL(request.url);
  url.pathname = `${ROOT_RESOURCE_METADATA}${MCP_ROUTE}`;
  return new Request(url, request);
}

type Handlers = Pick<OAuthProviderOptions<Env>, "apiHandler" | "defaultHandler">;

export function mcpResource(config: Config): string {
  return `${config.publicUrl}${MCP_ROUTE}`;
}

export function frontDoorOptions(config: Config, handlers: Handlers): OAuthProviderOptions<Env> {
  return {
    ...handlers,
    apiRoute: MCP_ROUTE,
    authorizeEndpoint: "/authorize",
    tokenEndpoint: TOKEN_ENDPOINT,
    clientRegistrationEndpoint: "/oauth/register",
    // Off (CLIENT_ID_METADATA_DOCUMENTS=off), the metadata does not advertise documents and clients register instead.
    clientIdMetadataDocumentEnabled: config.clientIdMetadataDocuments.enabled,
    accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTTL: REFRESH_TOKEN_TTL_SECONDS,
    resourceMetadata: {
      resource: mcpResource(config),
      authorization_servers: [config.publicUrl],
      bearer_methods_supported: ["header"],
      resource_name: PRODUCT_NAME,
    },
    // The wire answer stays the library's generic one; the log gets the stable internal reason.
    onError: ({ code, status, internal }) => {
      logEvent("warn", "oauth error", { event: "oauth_error", code, status, detail: `${internal.category}/${internal.reason}` });
    },
  };
}
