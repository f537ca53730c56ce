// Where a sign-in by a Client ID Metadata Document is stopped, and turned into a page that says why:
// before the OAuth provider fetches anything (documents turned off, or not on the allow-list), and
// after it refused one (the document failed to load or validate, or does not list the redirect
// URI). Loopback redirect URIs match on any port (RFC 8252 §7.3): the provider compares scheme,
// host, path and query, so Claude Code's portless `http://localhost/callback` admits the ephemeral
// `http://localhost:53112/callback` it really listens on.
import { AuthorizationError, CimdFetchError, type OAuthHelpers } from "@cloudflare/workers-oauth-provider";
import type { Config } from "../../config";
import { ClientDocumentRefused, problemOf } from "./document-refusal";
import { isAllowedDocument, isDocumentClientId } from "./document-settings";

/** Throws when `clientId` names a document this deployment does not use; nothing is fetched. */
export function refuseUnusableDocument(config: Config, clientId: string | undefined): void {
  if (!isDocumentClientId(clientId)) return;
  const settings = config.clientIdMetadataDocuments;
  if (!settings.enabled) throw new ClientDocumentRefused(clientId, "off");
  if (!isAllowedDocument(settings, clientId)) throw new ClientDocumentRefused(clientId, "not_allowed");
}

/** A document the provider could not load or accept, as the page tells it. */
export function documentRefusalOf(err: CimdFetchError): ClientDocumentRefused {
  const { problem, facts } = problemOf(err.detail);
  return new ClientDocumentRefused(err.metadataUrl, problem, facts);
}

/**
 * The error to show for what parseAuthRequest threw on `url`: a document failure or an unlisted
 * redirect URI of a document client becomes a ClientDocumentRefused; anything else is unchanged.
 */
export async function explainDocumentFailure(helpers: OAuthHelpers, config: Config, url: URL, err: unknown): Promise<unknown> {
  if (err instanceof CimdFetchError) return documentRefusalOf(err);
  const clientId = url.searchParams.get("client_id") ?? undefined;
  const unlisted = err instanceof AuthorizationError && !err.redirectTo && err.description === "Invalid redirect URI";
  if (!unlisted || !isDocumentClientId(clientId) || !config.clientIdMetadataDocuments.enabled) return err;
  // The document was fetched and accepted a moment ago; asking again gives its list for the page.
  const client = await helpers.lookupClient(clientId).catch(() => null);
  return new ClientDocumentRefused(clientId, "redirect_not_listed", { redirectUri: url.searchParams.get("redirect_uri") ?? "", listed: client?.redirectUris });
}

/**
 * At the token endpoint: a document client taken off CLIENT_ID_METADATA_ALLOWED gets no more tokens,
 * not even by refreshing a grant it holds. The answer is the provider's own for an unknown client.
 */
export function refusedAtTokenEndpoint(config: Config, clientId: string | null | undefined): Response | undefined {
  if (!isDocumentClientId(clientId ?? undefined) || isAllowedDocument(config.clientIdMetadataDocuments, clientId!)) return undefined;
  return Response.json(
    { error: "invalid_client", error_description: "Client not found" },
    { status: 401, headers: { "Cache-Control": "no-store", Pragma: "no-cache" } },
  );
}
