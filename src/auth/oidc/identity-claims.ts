// Turns verified OpenID claims into the Identity that tools see. Email and groups come from the
// ID token when it has them, else from userinfo. Access is granted by email and by group, so an
// email the IdP marks unverified (`email_verified: false`) is refused rather than trusted, and one
// it says nothing about is kept for display and the audit but marked unverified: `emails` rules
// then do not name the person, unless OIDC_EMAIL_VERIFIED_ASSUMED says the IdP verifies every
// address (many enterprise IdPs never send the claim).
import { z } from "zod";
import { ClaimcheckError } from "../../errors";
import { logEvent } from "../../log";
import { Identity } from "../identity";
import { fetchUserinfo } from "./userinfo";

type Claims = Record<string, unknown>;

export type IdentitySources = {
  idToken: Claims & { sub: string };
  groupsClaim: string;
  userinfoEndpoint: string | undefined;
  accessToken: string | undefined;
  /** OIDC_EMAIL_VERIFIED_ASSUMED. */
  emailVerifiedAssumed: boolean;
};

/** Some IdPs send one group as a bare string; anything else that is not a string list is refused. */
const GroupsClaim = z.union([z.array(z.string()), z.string().transform((g) => [g])]).optional();

function missing(claims: Claims, groupsClaim: string): boolean {
  return claims.email === undefined || claims[groupsClaim] === undefined;
}

function failed(detail: string): ClaimcheckError {
  return new ClaimcheckError("SIGN_IN_FAILED", { detail });
}

export async function resolveIdentity(sources: IdentitySources): Promise<Identity> {
  const { idToken, groupsClaim, userinfoEndpoint, accessToken } = sources;
  const userinfo: Claims =
    missing(idToken, groupsClaim) && userinfoEndpoint && accessToken
      ? await fetchUserinfo(userinfoEndpoint, accessToken, idToken.sub)
      : {};
  // Email and email_verified travel together, from whichever source has the email.
  const emailSource: Claims = idToken.email !== undefined ? idToken : userinfo;
  const verified = emailSource.email_verified;
  if (verified === false || verified === "false") throw failed("email_unverified");
  // Some IdPs send the boolean as a string; anything else (absent, malformed) is not a yes.
  const emailVerified = verified === true || verified === "true" || (verified === undefined && sources.emailVerifiedAssumed);
  if (!emailVerified) logEvent("info", "email not verified by the IdP; email rules will not apply", { event: "sign_in", detail: "email_verified_missing" });
  const groups = GroupsClaim.safeParse(idToken[groupsClaim] ?? userinfo[groupsClaim]);
  if (!groups.success) throw failed("groups_claim_malformed");
  const name = idToken.name ?? userinfo.name;
  const identity = Identity.safeParse({
    sub: idToken.sub,
    email: emailSource.email,
    emailVerified,
    name: typeof name === "string" && name.length > 0 ? name : undefined,
    groups: groups.data ?? [],
  });
  if (!identity.success) throw failed("identity_incomplete");
  return identity.data;
}
