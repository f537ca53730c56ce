// The verifier the README shows (dev/alert-receiver/verify-signature.ts), in plain Node: it takes
// what claimcheck signs and refuses another secret, a changed body, a malformed header and an old
// or future timestamp.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignature } from "../../../dev/alert-receiver/verify-signature.ts";

const SECRET = "whsec-node-test";
const BODY = JSON.stringify({ id: 1, event: "replay", ticket_id: "0123456789ab" });

function header(body: string, t: number, secret = SECRET): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe("verifySignature", () => {
  it("accepts a fresh signature over the raw body", () => {
    expect(verifySignature(BODY, header(BODY, now()), SECRET)).toBe(true);
  });

  it("refuses another secret, another body, and a reordered or missing header", () => {
    expect(verifySignature(BODY, header(BODY, now(), "other"), SECRET)).toBe(false);
    expect(verifySignature(`${BODY} `, header(BODY, now()), SECRET)).toBe(false);
    expect(verifySignature(BODY, undefined, SECRET)).toBe(false);
    expect(verifySignature(BODY, "v1=abc", SECRET)).toBe(false);
    expect(verifySignature(BODY, `t=${now()},v1=`, SECRET)).toBe(false);
  });

  it("refuses a timestamp outside the tolerance, either way", () => {
    expect(verifySignature(BODY, header(BODY, now() - 301), SECRET)).toBe(false);
    expect(verifySignature(BODY, header(BODY, now() + 301), SECRET)).toBe(false);
    expect(verifySignature(BODY, header(BODY, now() - 3600), SECRET, 7200)).toBe(true);
  });
});
