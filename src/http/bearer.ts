// Reads `Authorization: Bearer <credential>`. Bounded in length so an oversized header is refused
// before any work; the credential itself is never logged or echoed.
import { z } from "zod";
import { ClaimcheckError } from "../errors";

/** Longer than any ticket (133 chars) and any CI OIDC token we expect (a few KiB). */
const MAX_AUTHORIZATION_CHARS = 16_384;

const BearerHeader = z
  .string()
  .max(MAX_AUTHORIZATION_CHARS)
  .regex(/^Bearer [A-Za-z0-9._~+/-]+=*$/i);

export function bearerCredential(header: string | undefined | null): string {
  const parsed = BearerHeader.safeParse(header ?? undefined);
  if (!parsed.success) throw new ClaimcheckError("UNAUTHORIZED", { detail: "missing or malformed Authorization header" });
  return parsed.data.slice("Bearer ".length);
}

export function requestContext(headers: Headers): { clientIp?: string; userAgent?: string } {
  return {
    clientIp: headers.get("CF-Connecting-IP") ?? undefined,
    userAgent: headers.get("User-Agent") ?? undefined,
  };
}
