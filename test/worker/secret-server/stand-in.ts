// Access to the Secret Server stand-in from inside workerd. vitest.config.ts starts it and passes
// its URL as SECRET_SERVER_URL; each test file takes its own tenant (`/t/{name}`) so files running
// in parallel never see each other's faults, tokens or counters. A tenant named `sdk-only-…` serves
// only what Delinea's SDKs call (dev/secret-server/README.md).
import { env } from "cloudflare:workers";
import type { SecretServerSettings } from "../../../src/config";
import { ClaimcheckError } from "../../../src/errors";

const raw = env as unknown as Record<string, string | undefined>;

export type StandInStats = {
  requests: number;
  tokenRequests: number;
  secretReads: number;
  /** Requests by route, ids replaced: `{"GET /api/v1/secrets/{id}/summary": 1, …}`. */
  calls: Record<string, number>;
  checkedOut: Record<string, string>;
};
export type AuditRecord = { action: string; byUserDisplayName: string; notes: string | null };

/** What the stand-in holds for a secret (`GET /_stand-in/secrets/{id}`), values included. */
export type StoredSecret = {
  id: number;
  name: string;
  folderId: number;
  folderPath: string;
  secretTemplateId: number;
  autoChangeEnabled: boolean;
  items: { fieldId: number; slug: string; itemValue: string; isPassword: boolean; isFile: boolean }[];
  /** Remote password changing: the password the account itself has. */
  targetSystemPassword?: string;
};

/** One write the stand-in received, or a password its generator issued (`GET /_stand-in/writes`). */
export type WriteRecord = {
  action: "create" | "set-field" | "change-password" | "generate-password";
  secretId: number | null;
  fieldId: number | null;
  username: string;
  comment: string | null;
  values: Record<string, string>;
};

export type PasswordRequirement = {
  id: number;
  minPasswordLength: number;
  maxPasswordLength: number;
  allowedCharacterSet: { value: string };
  rules: { characterSet: { value: string }; minCharactersRequired: number }[];
};

type SeedSnapshot = {
  users: { password: string }[];
  platformClients: { clientSecret: string }[];
  secrets: { items: { itemValue: string }[] }[];
  passwordRequirements: PasswordRequirement[];
};

export function standIn(tenant: string) {
  const url = `${raw.SECRET_SERVER_URL}/t/${tenant}`;
  const admin = async (path: string, init?: RequestInit) => {
    const answer = await fetch(`${url}/_stand-in/${path}`, init);
    if (!answer.ok) throw new Error(`stand-in ${path}: ${answer.status} ${await answer.text()}`);
    return answer;
  };

  const password: SecretServerSettings = {
    mode: "password",
    url,
    username: raw.SECRET_SERVER_USERNAME!,
    password: raw.SECRET_SERVER_PASSWORD!,
  };
  const platform: SecretServerSettings = {
    mode: "platform",
    platformUrl: url,
    clientId: "claimcheck-platform",
    clientSecret: "platform-client-secret",
  };

  return {
    url,
    password,
    platform,
    reset: () => admin("reset", { method: "POST" }),
    /** See dev/secret-server/faults.ts for the accepted shape. */
    faults: (body: Record<string, unknown>) => admin("faults", { method: "POST", body: JSON.stringify(body) }),
    stats: async () => (await (await admin("stats")).json()) as StandInStats,

    /** Every secret value and credential in the seed: none may ever appear in an error. */
    async secretsInSeed(): Promise<string[]> {
      const seed = (await (await admin("seed")).json()) as SeedSnapshot;
      return [
        ...seed.secrets.flatMap((s) => s.items.map((i) => i.itemValue)),
        ...seed.users.map((u) => u.password),
        ...seed.platformClients.map((c) => c.clientSecret),
      ];
    },

    /**
     * Secret Server's own audit of a secret, newest first. Read through the stand-in's admin route,
     * which counts no request and exists in SDK-only tenants too (their API has no audit route).
     */
    audits: async (secretId: number) => (await (await admin(`audits/${secretId}`)).json()) as AuditRecord[],

    /** What the stand-in now holds for a secret, values included. */
    stored: async (secretId: number) => (await (await admin(`secrets/${secretId}`)).json()) as StoredSecret,
    storedValue: async (secretId: number, slug: string) =>
      ((await (await admin(`secrets/${secretId}`)).json()) as StoredSecret).items.find((i) => i.slug === slug)?.itemValue,
    /** Every write and generated password, oldest first. */
    writes: async () => (await (await admin("writes")).json()) as WriteRecord[],
    passwordRequirement: async (id: number) =>
      ((await (await admin("seed")).json()) as SeedSnapshot).passwordRequirements.find((r) => r.id === id)!,
  };
}

/** The ClaimcheckError a promise rejects with (fails the test if it resolves or throws anything else). */
export async function rejection(promise: Promise<unknown>): Promise<ClaimcheckError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ClaimcheckError) return err;
    throw err;
  }
  throw new Error("expected a ClaimcheckError, but the call succeeded");
}

/** How the client describes the seeded `db/prod` (no values), whatever the server's API level. */
export const PROD_DESCRIBED = {
  id: 11,
  name: "prod",
  folderId: 2,
  folderPath: "\\db",
  requiresComment: false,
  requiresApproval: false,
  checkOutEnabled: false,
  checkedOut: false,
  fields: [
    { slug: "server", fieldName: "Server", isPassword: false, isFile: false },
    { slug: "username", fieldName: "Username", isPassword: false, isFile: false },
    { slug: "password", fieldName: "Password", isPassword: true, isFile: false },
    { slug: "notes", fieldName: "Notes", isPassword: false, isFile: false },
  ],
};
