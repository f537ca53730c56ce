// CI_TRUST: which CI issuers claimcheck believes, for which audience, and which of their jobs may
// have which secrets. Deny by default: an empty list (the default) trusts no runner at all.
//
//   [{ "issuer": "https://token.actions.githubusercontent.com",
//      "audience": "https://claimcheck.example.com",
//      "rules": [{ "claims": { "repository_id": "123456", "ref": "refs/heads/main" },
//                  "paths": ["Payments/**"] }] }]
import { z } from "zod";

/** Asymmetric only: with HMAC the "key" would be a public JWK anyone can fetch; `none` signs nothing. */
export const CI_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;

/** GitHub and GitLab both sign with RS256; another algorithm is an explicit choice per issuer. */
const DEFAULT_ALGORITHMS: (typeof CI_TOKEN_ALGORITHMS)[number][] = ["RS256"];

/**
 * GitHub's tokens live 5 minutes; GitLab's `id_tokens` are minted when the job starts, so a step that
 * runs later presents an older token. Ten minutes covers a redemption early in a job.
 */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 10 * 60;
const MAX_MAX_TOKEN_AGE_SECONDS = 60 * 60;

/**
 * Claims that name *who* runs the job. Every rule must pin one of them to an exact value, so no rule
 * can match every repository of an issuer. The ids are immutable; names (and GitHub's and GitLab's
 * `sub`, built from names) can be re-registered after a rename or deletion, so prefer the ids.
 */
export const IDENTITY_CLAIMS = [
  "repository_id",
  "repository_owner_id",
  "project_id",
  "namespace_id",
  "organization_id",
  "pipeline_id",
  "repository",
  "repository_owner",
  "project_path",
  "namespace_path",
  "sub",
] as const;

const GLOB_CHARS = /[*?]/;

// Written out here rather than through config.ts's isSecureOrLoopback: config.ts imports this
// module, and an import back would be a cycle.
const issuerUrl = z
  .union(
    [z.url({ protocol: /^https$/ }), z.url({ protocol: /^http$/, hostname: /^(?:127\.0\.0\.1|localhost|\[::1\])$/ })],
    { error: "must be https (plain http only on 127.0.0.1 or localhost)" },
  )
  .refine((s) => !/[?#]/.test(s), "must not have a query or fragment");

const claimName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/, "must be a claim name");

const CiRule = z
  .object({
    /** Every listed claim must match; values are globs (`*`, `?`, `**` over `/`), case-sensitive. */
    claims: z.record(claimName, z.string().min(1).max(1000)),
    /** Globs over the secret's path in Secret Server, as in ACCESS_POLICY. */
    paths: z.array(z.string().min(1).max(1000)).min(1),
  })
  .strict()
  .refine(
    (rule) => IDENTITY_CLAIMS.some((name) => rule.claims[name] !== undefined && !GLOB_CHARS.test(rule.claims[name])),
    { message: `each rule must pin one of ${IDENTITY_CLAIMS.join(", ")} to an exact value (prefer the immutable ids)` },
  );

const IssuerTrust = z
  .object({
    /** Compared with the token's `iss` character for character, and with the discovery document's. */
    issuer: issuerUrl,
    /** The token's `aud` must be exactly this: a token minted for another service is refused. */
    audience: z.string().min(1).max(1000),
    algorithms: z.array(z.enum(CI_TOKEN_ALGORITHMS)).min(1).default(DEFAULT_ALGORITHMS),
    maxTokenAgeSeconds: z.number().int().min(60).max(MAX_MAX_TOKEN_AGE_SECONDS).default(DEFAULT_MAX_TOKEN_AGE_SECONDS),
    rules: z.array(CiRule).min(1),
  })
  .strict();

export const CiTrust = z
  .array(IssuerTrust)
  .refine((list) => new Set(list.map((t) => t.issuer)).size === list.length, { message: "each issuer may appear once" });

export type CiTrust = z.infer<typeof CiTrust>;
export type IssuerTrust = z.infer<typeof IssuerTrust>;
export type CiRule = z.infer<typeof CiRule>;
