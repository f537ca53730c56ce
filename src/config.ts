// Every setting the Worker reads, parsed once with zod. A missing or malformed setting fails
// closed with an error that names the setting (never its value: some are secrets).
import { z } from "zod";
import { isSecureOrLoopback } from "./secure-url";
import { CiTrust } from "./ci/ci-trust";
import { ClaimcheckError } from "./errors";
import { AccessPolicy } from "./policy/access-policy";
import { ALERT_FORMATS, parseAlertEvents, type AlertSettings } from "./alerts/alert-settings";
import { AuditViewers } from "./audit/view/audit-viewers";
import { DocumentPrefixes, type ClientDocumentSettings } from "./auth/client-metadata/document-settings";
import { unfinishedSettings } from "./unfinished-settings";

/** Default and ceiling of a ticket's life. Short: a ticket is a bearer capability. */
export const DEFAULT_TICKET_TTL_SECONDS = 120;
export const MAX_TICKET_TTL_SECONDS = 15 * 60;

/**
 * Largest value a deposit accepts: default, and the ceiling the route reads at most. The ceiling
 * is the Secret Server client's own field limit (MAX_FIELD_VALUE_BYTES), so a setting above it
 * cannot accept a value the write would then refuse.
 */
export const DEFAULT_DEPOSIT_MAX_BYTES = 64 * 1024;
export const MAX_DEPOSIT_MAX_BYTES = 128 * 1024;

/** Audit rows older than this are deleted by the daily cron: a little over a year by default, so a yearly review finds last year's month; at most ten years. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
export const MAX_AUDIT_RETENTION_DAYS = 3660;

/** Default and bounds of how long a request waits for a person's decision. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 600;
const MIN_APPROVAL_TIMEOUT_SECONDS = 60;
const MAX_APPROVAL_TIMEOUT_SECONDS = 3600;


/**
 * A URL string (kept as written) that is https, or http on loopback. Also for URLs that IdPs and
 * CI issuers publish. zod runs refinements even after a failed format check, hence canParse.
 */
export const secureUrlString = z
  .url({ protocol: /^https?$/ })
  .refine((s) => URL.canParse(s) && isSecureOrLoopback(new URL(s)), "must be https (plain http only on 127.0.0.1 or localhost)");

const secureUrl = z
  .url({ protocol: /^https?$/ })
  .transform((s) => new URL(s))
  .refine(isSecureOrLoopback, "must be https (plain http only on 127.0.0.1 or localhost)");

/** A base URL without a trailing slash, so callers can append paths. */
const baseUrl = secureUrl.transform((u) => u.href.replace(/\/+$/, ""));

const nonEmpty = z.string().trim().min(1);

/**
 * An OpenID issuer, kept exactly as written: the discovery document's `issuer` must equal it
 * character for character (OIDC Discovery 4.3), so it is not normalised.
 */
const oidcIssuer = secureUrlString.refine((s) => !/[?#]/.test(s), "must not have a query or fragment");

/** Space-separated OAuth scope tokens (RFC 6749 3.3); an OpenID sign-in needs `openid`. */
const oidcScopes = z
  .string()
  .default("openid email profile")
  .transform((s) => s.split(" ").filter(Boolean))
  .refine((scopes) => scopes.every((s) => /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)), "must be space-separated scope tokens")
  .refine((scopes) => scopes.includes("openid"), "must include openid");

export type OidcSettings = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  groupsClaim: string;
  /** OIDC_EMAIL_VERIFIED_ASSUMED: the IdP verifies every address, so a missing `email_verified` counts as true. */
  emailVerifiedAssumed: boolean;
};

export const jsonSetting = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be valid JSON" });
      return z.NEVER;
    }
  }).pipe(schema);

const passwordGrant = z.object({
  mode: z.literal("password"),
  url: baseUrl,
  username: nonEmpty,
  password: nonEmpty,
  domain: nonEmpty.optional(),
});

const platformGrant = z.object({
  mode: z.literal("platform"),
  platformUrl: baseUrl,
  clientId: nonEmpty,
  clientSecret: nonEmpty,
});

export type SecretServerSettings = z.infer<typeof passwordGrant> | z.infer<typeof platformGrant>;

const rawSchema = z.object({
  PUBLIC_URL: secureUrl.transform((u) => u.origin),
  TICKET_TTL_SECONDS: z.coerce.number().int().min(10).max(MAX_TICKET_TTL_SECONDS).default(DEFAULT_TICKET_TTL_SECONDS),
  APPROVAL_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(MIN_APPROVAL_TIMEOUT_SECONDS)
    .max(MAX_APPROVAL_TIMEOUT_SECONDS)
    .default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  DEPOSIT_MAX_BYTES: z.coerce.number().int().min(1).max(MAX_DEPOSIT_MAX_BYTES).default(DEFAULT_DEPOSIT_MAX_BYTES),
  SECRET_SERVER_URL: baseUrl.optional(),
  SECRET_SERVER_USERNAME: nonEmpty.optional(),
  SECRET_SERVER_PASSWORD: nonEmpty.optional(),
  SECRET_SERVER_DOMAIN: nonEmpty.optional(),
  DELINEA_PLATFORM_URL: baseUrl.optional(),
  DELINEA_CLIENT_ID: nonEmpty.optional(),
  DELINEA_CLIENT_SECRET: nonEmpty.optional(),
  OIDC_ISSUER: oidcIssuer,
  OIDC_CLIENT_ID: nonEmpty,
  OIDC_CLIENT_SECRET: nonEmpty,
  OIDC_SCOPES: oidcScopes,
  OIDC_GROUPS_CLAIM: nonEmpty.default("groups"),
  // Off by default: an email the IdP does not say it verified names nobody in ACCESS_POLICY.
  OIDC_EMAIL_VERIFIED_ASSUMED: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((v) => v === "true"),
  // Set by the local stack and the tests (and by hand for `wrangler dev`), never on a deployed
  // Worker: it is what tells the two apart (see loadConfig).
  CLAIMCHECK_LOCAL: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("false")
    .transform((v) => v === "true"),
  // Default: on when deployed, off on a local run (which may not reach the documents' hosts).
  CLIENT_ID_METADATA_DOCUMENTS: z.enum(["on", "off"], { error: "must be on or off" }).optional(),
  CLIENT_ID_METADATA_ALLOWED: DocumentPrefixes.optional(),
  // Deny by default: with no policy nobody may ask for any secret.
  ACCESS_POLICY: jsonSetting(AccessPolicy).default([]),
  // Deny by default: with no CI trust no CI runner may redeem anything.
  CI_TRUST: jsonSetting(CiTrust).default([]),
  // Deny by default: with no viewers nobody sees the audit pages.
  AUDIT_VIEWERS: jsonSetting(AuditViewers).default({}),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(MAX_AUDIT_RETENTION_DAYS).default(DEFAULT_AUDIT_RETENTION_DAYS),
  // No URL, no alerts. The secret is required with a URL (checked in loadConfig).
  ALERT_WEBHOOK_URL: secureUrlString.optional(),
  ALERT_WEBHOOK_SECRET: nonEmpty.optional(),
  ALERT_EVENTS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const parsed = parseAlertEvents(text);
      if ("events" in parsed) return parsed.events;
      ctx.addIssue({ code: "custom", message: parsed.problem });
      return z.NEVER;
    }),
  ALERT_FORMAT: z.enum(ALERT_FORMATS).default("json"),
});

export type Config = {
  publicUrl: string;
  ticketTtlSeconds: number;
  approvalTimeoutSeconds: number;
  depositMaxBytes: number;
  secretServer: SecretServerSettings;
  oidc: OidcSettings;
  accessPolicy: AccessPolicy;
  ciTrust: CiTrust;
  auditViewers: AuditViewers;
  auditRetentionDays: number;
  /** Undefined when ALERT_WEBHOOK_URL is not set: no alerts. */
  alerts: AlertSettings | undefined;
  /** CLAIMCHECK_LOCAL: a run on this machine (local stack, tests, `wrangler dev`). */
  local: boolean;
  /** CLIENT_ID_METADATA_DOCUMENTS and CLIENT_ID_METADATA_ALLOWED. */
  clientIdMetadataDocuments: ClientDocumentSettings;
};

function secretServerSettings(raw: z.infer<typeof rawSchema>): SecretServerSettings {
  if (raw.DELINEA_PLATFORM_URL !== undefined) {
    return platformGrant.parse({
      mode: "platform",
      platformUrl: raw.DELINEA_PLATFORM_URL,
      clientId: raw.DELINEA_CLIENT_ID,
      clientSecret: raw.DELINEA_CLIENT_SECRET,
    });
  }
  return passwordGrant.parse({
    mode: "password",
    url: raw.SECRET_SERVER_URL,
    username: raw.SECRET_SERVER_USERNAME,
    password: raw.SECRET_SERVER_PASSWORD,
    domain: raw.SECRET_SERVER_DOMAIN,
  });
}

/** Names the settings that failed and why, never their values. */
function describeIssues(error: z.ZodError, names: Record<string, string> = {}): string {
  return error.issues
    .map((issue) => {
      const key = String(issue.path[0] ?? "");
      // Inside a JSON setting, where: `ACCESS_POLICY[2].approval` names the rule by its index.
      const where = issue.path.slice(1).map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
      return `${names[key] ?? key}${where}: ${issue.code === "invalid_type" ? "missing or wrong type" : issue.message}`;
    })
    .join("; ");
}

const SECRET_SERVER_NAMES: Record<string, string> = {
  url: "SECRET_SERVER_URL",
  username: "SECRET_SERVER_USERNAME",
  password: "SECRET_SERVER_PASSWORD",
  domain: "SECRET_SERVER_DOMAIN",
  platformUrl: "DELINEA_PLATFORM_URL",
  clientId: "DELINEA_CLIENT_ID",
  clientSecret: "DELINEA_CLIENT_SECRET",
};

/**
 * Names the bad settings on the wire too: an operator starting the Worker must see which one to
 * fix. Only names and what is wrong with them, never a value (some are secrets).
 */
function invalidConfig(problems: string): ClaimcheckError {
  return new ClaimcheckError("CONFIG_INVALID", { message: `claimcheck is misconfigured: ${problems}.`, detail: problems });
}

const cache = new WeakMap<object, Config>();

/** Parses the Worker's settings once per env object; throws CONFIG_INVALID naming each bad setting. */
export function loadConfig(env: object): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw = rawSchema.safeParse(env);
  if (!raw.success) throw invalidConfig(describeIssues(raw.error));
  // Placeholders from .dev.vars.example (the Deploy button's form), a loopback PUBLIC_URL when deployed.
  const unfinished = unfinishedSettings(env as Record<string, unknown>, Object.keys(rawSchema.shape), raw.data.CLAIMCHECK_LOCAL, raw.data.PUBLIC_URL);
  if (unfinished.length > 0) throw invalidConfig(unfinished.join("; "));
  if (raw.data.ALERT_WEBHOOK_URL !== undefined && raw.data.ALERT_WEBHOOK_SECRET === undefined) {
    throw invalidConfig("ALERT_WEBHOOK_SECRET: required when ALERT_WEBHOOK_URL is set");
  }
  let secretServer: SecretServerSettings;
  try {
    secretServer = secretServerSettings(raw.data);
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    throw invalidConfig(describeIssues(err, SECRET_SERVER_NAMES));
  }
  const config: Config = {
    publicUrl: raw.data.PUBLIC_URL,
    ticketTtlSeconds: raw.data.TICKET_TTL_SECONDS,
    approvalTimeoutSeconds: raw.data.APPROVAL_TIMEOUT_SECONDS,
    depositMaxBytes: raw.data.DEPOSIT_MAX_BYTES,
    secretServer,
    oidc: {
      issuer: raw.data.OIDC_ISSUER,
      clientId: raw.data.OIDC_CLIENT_ID,
      clientSecret: raw.data.OIDC_CLIENT_SECRET,
      scopes: raw.data.OIDC_SCOPES,
      groupsClaim: raw.data.OIDC_GROUPS_CLAIM,
      emailVerifiedAssumed: raw.data.OIDC_EMAIL_VERIFIED_ASSUMED,
    },
    accessPolicy: raw.data.ACCESS_POLICY,
    ciTrust: raw.data.CI_TRUST,
    auditViewers: raw.data.AUDIT_VIEWERS,
    auditRetentionDays: raw.data.AUDIT_RETENTION_DAYS,
    local: raw.data.CLAIMCHECK_LOCAL,
    clientIdMetadataDocuments: {
      enabled: (raw.data.CLIENT_ID_METADATA_DOCUMENTS ?? (raw.data.CLAIMCHECK_LOCAL ? "off" : "on")) === "on",
      allowed: raw.data.CLIENT_ID_METADATA_ALLOWED,
    },
    alerts:
      raw.data.ALERT_WEBHOOK_URL === undefined
        ? undefined
        : {
            url: raw.data.ALERT_WEBHOOK_URL,
            secret: raw.data.ALERT_WEBHOOK_SECRET!,
            events: new Set(raw.data.ALERT_EVENTS),
            format: raw.data.ALERT_FORMAT,
          },
  };
  cache.set(env, config);
  return config;
}
