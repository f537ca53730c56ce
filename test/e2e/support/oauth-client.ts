// The MCP client's side of OAuth, as a desktop agent keeps it: an OAuthClientProvider for the SDK
// that registers itself dynamically as a public client (PKCE, no secret) with a loopback redirect
// URI, keeps its registration, tokens and PKCE verifier in memory, and, instead of opening a
// browser, keeps the authorization URL for the test to follow.
import { randomBytes } from "node:crypto";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

export class InMemoryOAuthClient implements OAuthClientProvider {
  readonly redirectUrl: string;
  readonly #clientName: string;
  #registration: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #codeVerifier: string | undefined;
  #state: string | undefined;
  #authorizationUrl: URL | undefined;

  /** `redirectUrl` is where the authorization server sends the code; nothing needs to listen there. */
  constructor(redirectUrl: string, clientName: string) {
    this.redirectUrl = redirectUrl;
    this.#clientName = clientName;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state(): string {
    this.#state = randomBytes(16).toString("base64url");
    return this.#state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#registration;
  }

  saveClientInformation(registration: OAuthClientInformationMixed): void {
    this.#registration = registration;
  }

  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.#authorizationUrl = authorizationUrl;
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#codeVerifier = codeVerifier;
  }

  codeVerifier(): string {
    if (this.#codeVerifier === undefined) throw new Error("no PKCE verifier: the authorization flow never started");
    return this.#codeVerifier;
  }

  /** Where the SDK sent the user: the authorization server's /authorize with PKCE and state. */
  get authorizationUrl(): URL {
    if (this.#authorizationUrl === undefined) throw new Error("the SDK never asked to open an authorization URL");
    return this.#authorizationUrl;
  }

  /**
   * The code from the authorization server's redirect, after the checks a client must make: it
   * came to our redirect URI and carries the state we sent (the SDK leaves both to the provider).
   */
  codeFrom(redirect: URL): string {
    const expected = new URL(this.redirectUrl);
    if (redirect.origin + redirect.pathname !== expected.origin + expected.pathname) {
      throw new Error(`redirected to ${redirect.origin}${redirect.pathname}, not to the client's redirect URI`);
    }
    const error = redirect.searchParams.get("error");
    if (error !== null) throw new Error(`authorization failed: ${error}`);
    if (this.#state === undefined || redirect.searchParams.get("state") !== this.#state) {
      throw new Error("the redirect does not carry the state this client sent");
    }
    const code = redirect.searchParams.get("code");
    if (code === null) throw new Error("the redirect carries no code");
    return code;
  }
}
