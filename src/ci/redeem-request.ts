// The body of POST /ci/redeem: which secrets, which field of each, and the environment variable each
// becomes. Read with a size limit and parsed with zod before the token is even looked at.
//
//   {"secrets":[{"path":"Payments/stripe","field":"password","name":"STRIPE_KEY"}], "comment":"deploy"}
import { z } from "zod";
import { ClaimcheckError } from "../errors";

/** A request names a few secrets; 16 KiB holds fifty long paths with room to spare. */
export const MAX_BODY_BYTES = 16 * 1024;
export const MAX_SECRETS_PER_REQUEST = 50;

const NO_CONTROL_CHARS = /^[^\p{Cc}\p{Cf}]*$/u;

const SecretWanted = z
  .object({
    path: z.string().min(1).max(1000).regex(NO_CONTROL_CHARS),
    /** Secret Server's field slug (`password`, `private-key`). */
    field: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/),
    /** A name every shell and dotenv reader takes as is; bash rewrites `$_` after every command. */
    name: z.string().max(128).regex(/^[A-Za-z_][A-Za-z0-9_]*$/).refine((n) => n !== "_"),
  })
  .strict();

export const CiRedeemRequest = z
  .object({
    secrets: z.array(SecretWanted).min(1).max(MAX_SECRETS_PER_REQUEST),
    /** The reason Secret Server records; required by secrets that require a comment. */
    comment: z.string().trim().min(1).max(500).regex(NO_CONTROL_CHARS).optional(),
  })
  .strict()
  .refine((r) => new Set(r.secrets.map((s) => s.name)).size === r.secrets.length, { message: "names must be unique" });

export type CiRedeemRequest = z.infer<typeof CiRedeemRequest>;
export type SecretWanted = z.infer<typeof SecretWanted>;

function badRequest(detail: string): ClaimcheckError {
  return new ClaimcheckError("BAD_REQUEST", { detail });
}

/** The body as text, refused as soon as it passes the limit (a declared length is not trusted). */
async function boundedText(request: Request): Promise<string> {
  if (Number(request.headers.get("Content-Length") ?? 0) > MAX_BODY_BYTES) throw badRequest("body too large");
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw badRequest("body too large");
    }
    chunks.push(next.value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await new Blob(chunks).arrayBuffer());
  } catch {
    throw badRequest("body is not UTF-8");
  }
}

export async function readCiRedeemRequest(request: Request): Promise<CiRedeemRequest> {
  const type = request.headers.get("Content-Type")?.split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw badRequest("content type is not application/json");
  let body: unknown;
  try {
    body = JSON.parse(await boundedText(request));
  } catch (err) {
    if (err instanceof ClaimcheckError) throw err;
    throw badRequest("body is not JSON");
  }
  const parsed = CiRedeemRequest.safeParse(body);
  if (!parsed.success) {
    // Where, not what: the location of each problem helps the pipeline's author and echoes nothing.
    const where = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "body"))].join(", ");
    throw new ClaimcheckError("BAD_REQUEST", { message: `The request is malformed at: ${where}.`, detail: "body shape" });
  }
  return parsed.data;
}
