// The Claimcheck-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
// keyed by ALERT_WEBHOOK_SECRET. Signing the time with the body lets a receiver refuse an old
// alert replayed at it (check |now - t| within a tolerance), and the HMAC proves the body came
// from someone holding the secret. Signed again at every attempt, with that attempt's time.

export const SIGNATURE_HEADER = "Claimcheck-Signature";

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The header value for `body` sent at `nowMs`. */
export async function signAlert(secret: string, body: string, nowMs: number): Promise<string> {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${await hmacHex(secret, `${t}.${body}`)}`;
}

/**
 * What a receiver does (and what the tests and the local receiver use): parse, recompute,
 * compare in constant time, and refuse a time outside the tolerance.
 */
export async function verifyAlertSignature(secret: string, body: string, header: string | null, nowMs: number, toleranceSeconds = 300): Promise<boolean> {
  const parts = Object.fromEntries((header ?? "").split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== "string" || Math.abs(nowMs / 1000 - t) > toleranceSeconds) return false;
  const expected = encoder.encode(await hmacHex(secret, `${t}.${body}`));
  const given = encoder.encode(parts.v1);
  return expected.byteLength === given.byteLength && crypto.subtle.timingSafeEqual(expected, given);
}
