// The userinfo endpoint (OIDC Core 5.3), for IdPs that keep email or groups out of the ID token.
// Its `sub` must match the ID token's (5.3.2), or the answer belongs to someone else.
import { z } from "zod";
import { ClaimcheckError } from "../../errors";
import { sameValue } from "../digest";
import { requestIdpJson } from "./idp-request";

const UserinfoResponse = z.looseObject({ sub: z.string().min(1) });
export type UserinfoClaims = z.infer<typeof UserinfoResponse>;

export async function fetchUserinfo(endpoint: string, accessToken: string, expectedSub: string): Promise<UserinfoClaims> {
  const claims = await requestIdpJson(
    endpoint,
    { headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" } },
    UserinfoResponse,
    "userinfo",
  );
  if (!sameValue(claims.sub, expectedSub)) throw new ClaimcheckError("SIGN_IN_FAILED", { detail: "userinfo_subject_mismatch" });
  return claims;
}
