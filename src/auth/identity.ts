// Who a signed-in user is, as the MCP tools see it. This is the whole of the OAuth grant's
// `props`: the upstream IdP's tokens are never part of it, so no tool can hand them to a model.
import { sha256Base64url } from "../digest";
import { z } from "zod";

export const Identity = z.object({
  /** The IdP's subject identifier, unique per issuer. */
  sub: z.string().min(1),
  email: z.string().min(1),
  /**
   * Whether the IdP vouched for the address (`email_verified: true`, or OIDC_EMAIL_VERIFIED_ASSUMED).
   * Only a verified address is matched by `emails` in ACCESS_POLICY, approver sets and AUDIT_VIEWERS.
   * Absent in a grant or session made before the flag existed: not verified.
   */
  emailVerified: z.boolean().default(false),
  name: z.string().min(1).optional(),
  /** Group names from the IdP, for ACCESS_POLICY; empty when the IdP sends none. */
  groups: z.array(z.string()),
});
export type Identity = z.infer<typeof Identity>;

/**
 * The OAuth provider's user id for an identity. It must not contain `:` (the provider uses it as
 * a separator in tokens and KV keys) and a `sub` may, so it is the base64url SHA-256 of issuer and
 * subject: stable per user, distinct across issuers, and free of personal data in KV key names.
 */
export async function userIdFor(issuer: string, sub: string): Promise<string> {
  return sha256Base64url(`${issuer}\n${sub}`);
}
