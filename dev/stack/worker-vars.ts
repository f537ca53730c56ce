// The Worker's settings for a local stack: one place that maps the stand-ins' addresses and
// credentials to the variable names src/config.ts reads, for `npm start` and end-to-end tests.

/** Alice (group db-admins) may ask for anything under db/; nobody else for anything. */
export const DEMO_ACCESS_POLICY = [{ groups: ["db-admins"], paths: ["db/**"] }];

/** `groups` is a scope of its own at the local provider; without it the ID token has no groups. */
export const LOCAL_OIDC_SCOPES = "openid email profile groups";

export type LocalStackAddresses = {
  publicUrl: string;
  oidc: { issuer: string; clientId: string; clientSecret: string; scopes?: string };
  secretServer: { url: string; username: string; password: string };
  accessPolicy?: unknown;
};

export function workerVars(stack: LocalStackAddresses): Record<string, string> {
  return {
    // A run on this machine: a loopback PUBLIC_URL is fine here, and refused on a deployed Worker.
    CLAIMCHECK_LOCAL: "true",
    // Off: the stack may be offline, and clients then register themselves (override from the environment).
    CLIENT_ID_METADATA_DOCUMENTS: "off",
    PUBLIC_URL: stack.publicUrl,
    OIDC_ISSUER: stack.oidc.issuer,
    OIDC_CLIENT_ID: stack.oidc.clientId,
    OIDC_CLIENT_SECRET: stack.oidc.clientSecret,
    OIDC_SCOPES: stack.oidc.scopes ?? LOCAL_OIDC_SCOPES,
    SECRET_SERVER_URL: stack.secretServer.url,
    SECRET_SERVER_USERNAME: stack.secretServer.username,
    SECRET_SERVER_PASSWORD: stack.secretServer.password,
    ACCESS_POLICY: JSON.stringify(stack.accessPolicy ?? DEMO_ACCESS_POLICY),
  };
}
