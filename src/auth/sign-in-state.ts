// The pauses of a sign-in, each a single-use record behind a random handle:
// - PendingSignIn: between our redirect to the IdP and its callback (`state` is the handle);
// - PendingPageSignIn: the same pause for a sign-in to claimcheck's own pages (src/pages/);
// - PendingConsent: between the consent page and its form post (the form's `handle`).
// All are bound to the browser that started them (hash of the binding cookie), so a handle
// leaked or planted in another browser is useless. Records are validated with zod when taken.
import { z } from "zod";
import { ClaimcheckError } from "../errors";
import { randomHandle, sameValue, sha256Base64url } from "./digest";
import { Identity } from "./identity";

/** Long enough to sign in at the IdP with MFA, short enough to limit a leaked `state`. */
export const SIGN_IN_TTL_MS = 10 * 60_000;
/** Time to read the consent page and decide. */
export const CONSENT_TTL_MS = 10 * 60_000;

/** The authorization request as parsed and validated by the OAuth provider's parseAuthRequest. */
const AuthRequest = z.object({
  responseType: z.string(),
  clientId: z.string(),
  redirectUri: z.string(),
  scope: z.array(z.string()),
  state: z.string(),
  codeChallenge: z.string().optional(),
  codeChallengeMethod: z.string().optional(),
  resource: z.string().optional(),
  issuer: z.string().optional(),
});

export const PendingSignIn = z.object({
  kind: z.literal("sign-in"),
  authRequest: AuthRequest,
  codeVerifier: z.string(),
  nonce: z.string(),
  browser: z.string(),
});
export type PendingSignIn = z.infer<typeof PendingSignIn>;

/**
 * Where a page sign-in returns to: a path on this origin. It starts with one "/" not followed by
 * "/" or a backslash (browsers read "//host" and "/\host" as another host) and holds only printable
 * ASCII without backslashes or spaces: URL parsers drop tabs and newlines, so "/<tab>/evil.example"
 * would become "//evil.example". Anything else (an absolute URL, a scheme) is refused.
 */
export const SameOriginPath = z
  .string()
  .max(2048)
  .regex(/^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/);

export const PendingPageSignIn = z.object({
  kind: z.literal("page-sign-in"),
  returnTo: SameOriginPath,
  codeVerifier: z.string(),
  nonce: z.string(),
  browser: z.string(),
});
export type PendingPageSignIn = z.infer<typeof PendingPageSignIn>;

/** What /callback may take: either kind of sign-in, told apart by `kind` after one take. */
export const PendingIdpReturn = z.discriminatedUnion("kind", [PendingSignIn, PendingPageSignIn]);
export type PendingIdpReturn = z.infer<typeof PendingIdpReturn>;

export const PendingConsent = z.object({
  kind: z.literal("consent"),
  authRequest: AuthRequest,
  identity: Identity,
  browser: z.string(),
});
export type PendingConsent = z.infer<typeof PendingConsent>;

/** Handles are randomHandle() values; anything else is refused before storage is touched. */
const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

async function storeFor(env: Env, handle: string) {
  return env.SIGN_IN_STATE.get(env.SIGN_IN_STATE.idFromName(`sign-in:${await sha256Base64url(handle)}`));
}

function refused(detail: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail });
}

/** Stores the record and returns its handle, the only copy of which goes to the browser. */
export async function holdSignInState(env: Env, record: PendingIdpReturn | PendingConsent, ttlMs: number): Promise<string> {
  const handle = randomHandle();
  await (await storeFor(env, handle)).hold(record, Date.now() + ttlMs);
  return handle;
}

/** Takes the record once; refuses an unknown, used, expired or foreign handle alike. */
export async function takeSignInState<T extends z.ZodType<{ browser: string }>>(
  env: Env,
  handle: string | undefined,
  browser: string | undefined,
  schema: T,
): Promise<z.output<T>> {
  if (!handle || !HANDLE_PATTERN.test(handle)) throw refused("state_missing_or_malformed");
  const stored = await (await storeFor(env, handle)).take();
  if (stored === null) throw refused("state_unknown_used_or_expired");
  const record = schema.safeParse(stored);
  if (!record.success) throw refused("state_wrong_kind");
  if (!browser || !sameValue(record.data.browser, browser)) throw refused("state_other_browser");
  return record.data;
}
