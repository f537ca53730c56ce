// Turns verified OpenID claims into the Identity that tools see. Email and groups come from the
// ID token when it has them, else from userinfo. Access is granted by email and by group, so an
// email the IdP marks unverified is refused rather than trusted.
import { z } from "zod";
import { ClaimcheckError } from "../../errors";
import { Identity } from "../identity";
import { fetchUserinfo } from "./userinfo";

type Claims = Record<string, unknown>;

export type IdentitySources = {
  idToken: Claims & { sub: string };
  groupsClaim: string;
  userinfoEndpoint: string | undefined;
  accessToken: string | undefined;
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
  if (emailSource.email_verified === false || emailSource.email_verified === "false") throw failed("email_unverified");
  const groups = GroupsClaim.safeParse(idToken[groupsClaim] ?? userinfo[groupsClaim]);
  if (!groups.success) throw failed("groups_claim_malformed");
  const name = idToken.name ?? userinfo.name;
  const identity = Identity.safeParse({
    sub: idToken.sub,
    email: emailSource.email,
    name: typeof name === "string" && name.length > 0 ? name : undefined,
    groups: groups.data ?? [],
  });
  if (!identity.success) throw failed("identity_incomplete");
  return identity.data;
}
