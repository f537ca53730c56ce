// The Worker's registration at the local OpenID provider when nothing else is configured. Local
// only: the secret is as public as the demo passwords.
export const LOCAL_OIDC_PORT = 8791;
export const LOCAL_CLIENT_ID = "claimcheck-local";
export const LOCAL_CLIENT_SECRET = "claimcheck-local-client-secret";
export const LOCAL_REDIRECT_URI = "http://127.0.0.1:8787/callback";
