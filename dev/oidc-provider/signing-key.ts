// The RS256 key that signs ID tokens: generated at start (and on each rotation), or loaded from a
// private JWK file so a restarted provider keeps its JWKS.
import { readFile } from "node:fs/promises";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type { JWK } from "jose";
import { z } from "zod";

/** A private RSA JWK: the public members plus the CRT parameters oidc-provider needs to sign. */
const PrivateRsaJwk = z.looseObject({
  kty: z.literal("RSA"),
  n: z.string().min(1),
  e: z.string().min(1),
  d: z.string().min(1),
  p: z.string().min(1),
  q: z.string().min(1),
  dp: z.string().min(1),
  dq: z.string().min(1),
  qi: z.string().min(1),
  kid: z.string().min(1).optional(),
});

export type SigningKey = JWK & { kid: string };

/** Checks that `jwk` is a private RSA key and names it for RS256 signing. */
export async function signingKeyFrom(jwk: unknown, source = "signingKey"): Promise<SigningKey> {
  const parsed = PrivateRsaJwk.safeParse(jwk);
  if (!parsed.success) throw new TypeError(`${source} is not a private RSA JWK`);
  // The thumbprint as kid: a new key always gets a new kid, which is what relying parties key
  // their JWKS caches on.
  const kid = parsed.data.kid ?? (await calculateJwkThumbprint(parsed.data));
  return { ...parsed.data, kid, alg: "RS256", use: "sig" };
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  return signingKeyFrom(await exportJWK(privateKey));
}

/** Reads a private RSA JWK file: a bare key, or a JWKS whose first key is used. */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  const json: unknown = JSON.parse(await readFile(path, "utf8"));
  const jwks = z.object({ keys: z.array(z.unknown()).min(1) }).safeParse(json);
  return signingKeyFrom(jwks.success ? jwks.data.keys[0] : json, path);
}
