// Every call to the OpenID provider goes through here: a timeout, redirects not followed, the
// status checked, the JSON guarded and parsed with zod. An IdP body never reaches a message: the
// error detail names the call and the status only.
import type { z } from "zod";
import { ClaimcheckError } from "../../errors";

/** Long enough for a slow IdP, short enough that a sign-in page does not hang. */
const IDP_TIMEOUT_MS = 10_000;
/** Discovery, token and userinfo answers are a few KiB; anything far larger is not one. */
const MAX_IDP_RESPONSE_CHARS = 256 * 1024;

export async function requestIdpJson<T extends z.ZodType>(
  url: string,
  init: RequestInit,
  schema: T,
  call: string,
): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(IDP_TIMEOUT_MS) });
  } catch {
    throw new ClaimcheckError("IDP_UNAVAILABLE", { detail: `${call}_unreachable` });
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    const code = res.status >= 500 ? "IDP_UNAVAILABLE" : "SIGN_IN_FAILED";
    throw new ClaimcheckError(code, { detail: `${call}_status_${res.status}` });
  }
  const text = await res.text();
  let body: unknown;
  try {
    if (text.length > MAX_IDP_RESPONSE_CHARS) throw new RangeError("too large");
    body = JSON.parse(text);
  } catch {
    throw new ClaimcheckError("SIGN_IN_FAILED", { detail: `${call}_not_json` });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ClaimcheckError("SIGN_IN_FAILED", { detail: `${call}_unexpected_shape` });
  return parsed.data;
}
