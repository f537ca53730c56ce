// Random handles and their digests for the sign-in flow. Handles (state, consent handle, browser
// binding) travel through the browser; only their SHA-256 is stored or compared.
import { base64url } from "jose";

/** 32 bytes (256 bits) from the platform CSPRNG: not guessable. */
const HANDLE_BYTES = 32;

export function randomHandle(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(HANDLE_BYTES)));
}

export { sha256Base64url } from "../digest";

/** Constant-time equality of two strings, so a comparison leaks nothing about where they differ. */
export function sameValue(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}
