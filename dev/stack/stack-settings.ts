// What `npm start` runs with: every port, credential and Worker setting has a local default and
// can be overridden from the environment. Parsed once with zod; a bad value is named, never shown.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD } from "../oidc-provider/demo-users.ts";
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_OIDC_PORT } from "../oidc-provider/local-client.ts";
import { DEMO_ACCESS_POLICY, LOCAL_OIDC_SCOPES } from "./worker-vars.ts";
import { PROJECT_ROOT } from "./wrangler-dev.ts";

const port = (fallback: number) => z.coerce.number().int().min(1).max(65_535).default(fallback);
const text = (fallback: string) => z.string().trim().min(1).default(fallback);

const StackEnv = z.object({
  CLAIMCHECK_PORT: port(8787),
  OIDC_PORT: port(LOCAL_OIDC_PORT),
  SECRET_SERVER_PORT: port(8790),
  /** The local alert receiver (dev/alert-receiver), which prints the Worker's alerts. */
  ALERT_RECEIVER_PORT: port(8792),
  /** Defaults to http://127.0.0.1:CLAIMCHECK_PORT; the Worker's /callback under it is registered at the IdP. */
  PUBLIC_URL: z.url().optional(),
  OIDC_CLIENT_ID: text(LOCAL_CLIENT_ID),
  OIDC_CLIENT_SECRET: text(LOCAL_CLIENT_SECRET),
  OIDC_SCOPES: text(LOCAL_OIDC_SCOPES),
  DEMO_ALICE_PASSWORD: text(DEFAULT_ALICE_PASSWORD),
  DEMO_BOB_PASSWORD: text(DEFAULT_BOB_PASSWORD),
  /** The application account in the stand-in's seed (dev/secret-server/seed.json). */
  SECRET_SERVER_USERNAME: text("claimcheck-app"),
  SECRET_SERVER_PASSWORD: text("app-account-password"),
  SECRET_SERVER_SEED: z.string().min(1).optional(),
  /** JSON, as the Worker reads it; the Worker validates the rules themselves. */
  ACCESS_POLICY: z
    .string()
    .default(JSON.stringify(DEMO_ACCESS_POLICY))
    .refine((s) => {
      try {
        JSON.parse(s);
        return true;
      } catch {
        return false;
      }
    }, "must be valid JSON"),
  /** Who may open /audit: Alice, so the demo shows the audit page. JSON, as the Worker reads it. */
  AUDIT_VIEWERS: z.string().default(JSON.stringify({ emails: ["alice@demo.test"] })),
  /** The alerts' HMAC key; a fresh random one each run unless set. */
  ALERT_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Where wrangler keeps local D1 and Durable Object state between runs. */
  CLAIMCHECK_STATE_DIR: z.string().min(1).default(".wrangler/state"),
});

/**
 * Worker settings the stack has no value of its own for: passed through when set, validated by
 * the Worker itself (its error names the setting).
 */
const PASSED_THROUGH = [
  "TICKET_TTL_SECONDS",
  "OIDC_GROUPS_CLAIM",
  "SECRET_SERVER_DOMAIN",
  "CI_TRUST",
  "ALERT_EVENTS",
  "ALERT_FORMAT",
  "AUDIT_RETENTION_DAYS",
  "CLIENT_ID_METADATA_DOCUMENTS",
  "CLIENT_ID_METADATA_ALLOWED",
  "OIDC_EMAIL_VERIFIED_ASSUMED",
] as const;

export type StackSettings = {
  ports: { worker: number; oidc: number; secretServer: number; alertReceiver: number };
  publicUrl: string;
  oidc: { clientId: string; clientSecret: string; scopes: string };
  demoPasswords: { alice: string; bob: string };
  secretServer: { username: string; password: string; seedPath?: string };
  accessPolicy: unknown;
  auditViewers: string;
  alertSecret: string;
  stateDir: string;
  /** Further Worker settings from the environment (see PASSED_THROUGH). */
  extraWorkerVars: Record<string, string>;
};

/** Throws a TypeError naming each bad setting (never its value: some are secrets). */
export function stackSettings(env: NodeJS.ProcessEnv): StackSettings {
  const parsed = StackEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
    throw new TypeError(`Bad setting. ${problems.join("; ")}`);
  }
  const s = parsed.data;
  return {
    ports: { worker: s.CLAIMCHECK_PORT, oidc: s.OIDC_PORT, secretServer: s.SECRET_SERVER_PORT, alertReceiver: s.ALERT_RECEIVER_PORT },
    publicUrl: (s.PUBLIC_URL ?? `http://127.0.0.1:${s.CLAIMCHECK_PORT}`).replace(/\/+$/, ""),
    oidc: { clientId: s.OIDC_CLIENT_ID, clientSecret: s.OIDC_CLIENT_SECRET, scopes: s.OIDC_SCOPES },
    demoPasswords: { alice: s.DEMO_ALICE_PASSWORD, bob: s.DEMO_BOB_PASSWORD },
    secretServer: {
      username: s.SECRET_SERVER_USERNAME,
      password: s.SECRET_SERVER_PASSWORD,
      ...(s.SECRET_SERVER_SEED !== undefined && { seedPath: resolve(s.SECRET_SERVER_SEED) }),
    },
    accessPolicy: JSON.parse(s.ACCESS_POLICY),
    auditViewers: s.AUDIT_VIEWERS,
    alertSecret: s.ALERT_WEBHOOK_SECRET ?? randomBytes(24).toString("base64url"),
    stateDir: resolve(PROJECT_ROOT, s.CLAIMCHECK_STATE_DIR),
    extraWorkerVars: Object.fromEntries(
      PASSED_THROUGH.flatMap((name) => (env[name] ? [[name, env[name]] as const] : [])),
    ),
  };
}
