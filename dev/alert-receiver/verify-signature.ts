// How a receiver checks an alert from claimcheck (the README shows this function): recompute the
// HMAC-SHA256 of "<t>.<raw body>" with ALERT_WEBHOOK_SECRET, compare in constant time, and refuse
// a timestamp more than `toleranceSeconds` away from now (a captured alert replayed later).
import { createHmac, timingSafeEqual } from "node:crypto";

export function verifySignature(rawBody: string, header: string | undefined, secret: string, toleranceSeconds = 300): boolean {
  const { t, v1 } = Object.fromEntries((header ?? "").split(",").map((part) => part.split("=", 2)));
  if (!t || !v1 || !/^\d+$/.test(t) || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex");
  return v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}
