// The stand-in's mutable state: issued tokens, check-outs, access requests, Secret Server's own
// audit trail, and every value written (secrets created, fields set, passwords generated or changed)
// so tests can compare. Rebuilt from the seed on reset, so every test starts from the same world.
import type { Seed, SeedFolder, SeedSecret } from "./seed.ts";

export type Principal = { username: string; displayName: string };

export type AuditRecord = {
  id: number;
  secretId: number;
  action: string;
  byUserDisplayName: string;
  username: string;
  dateRecorded: string;
  notes: string | null;
};

type IssuedToken = { principal: Principal; expiresAt: number };

/** Secret Server's AccessRequestState values the stand-in stores; `Expired` is only ever derived. */
export type AccessRequestStatus = "Pending" | "Approved" | "Denied" | "Canceled";

/** One access request, as filed and as decided; dates are epoch milliseconds. */
export type AccessRequestRecord = {
  id: number;
  secretId: number;
  requester: string;
  requestComment: string;
  startDate: number;
  expirationDate: number;
  requestDate: number;
  status: AccessRequestStatus;
  responseComment: string | null;
  responseDate: number | null;
  decidedBy: string | null;
  ticketNumber: string | null;
  ticketSystemId: number | null;
};

export type AccessRequestFiling = Pick<
  AccessRequestRecord,
  "secretId" | "requester" | "requestComment" | "startDate" | "expirationDate" | "ticketNumber" | "ticketSystemId"
>;
export type AccessRequestDecision = {
  status: AccessRequestStatus;
  decidedBy: string;
  responseComment?: string | undefined;
  startDate?: number | undefined;
  expirationDate?: number | undefined;
};

/** What a write changed, kept so tests can compare values byte for byte (the stand-in's admin API). */
export type WriteRecord = {
  id: number;
  action: "create" | "set-field" | "change-password" | "generate-password";
  secretId: number | null;
  /** The template field, for a generated password (which belongs to no secret yet). */
  fieldId: number | null;
  username: string;
  comment: string | null;
  at: string;
  /** Values written or issued, by slug. */
  values: Record<string, string>;
};

export type WriteFiling = Omit<WriteRecord, "id" | "at">;

/** New secrets get ids well above the seed's, so a test can tell them apart. */
const FIRST_CREATED_ID = 1001;

export type Store = ReturnType<typeof createStore>;

export function createStore(seed: Seed) {
  const folders = new Map(seed.folders.map((f) => [f.id, f]));
  // Copies: writes change a secret's items, and reset must bring the seed's values back.
  const secrets = new Map(seed.secrets.map((s) => [s.id, structuredClone(s)]));
  const templates = new Map(seed.templates.map((t) => [t.id, t]));
  const checkedOutBy = new Map<number, string>();
  for (const s of seed.secrets) if (s.checkedOutBy) checkedOutBy.set(s.id, s.checkedOutBy);
  const tokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, Principal>();
  const audits: AuditRecord[] = [];
  const accessRequests = new Map<number, AccessRequestRecord>();
  const writes: WriteRecord[] = [];
  /**
   * The password each remote-password-changing secret's target system (the account itself) holds.
   * Only Secret Server's change-password changes it; setting the field changes only the vault's copy.
   */
  const targetPasswords = new Map<number, string>();
  for (const s of seed.secrets) {
    const password = s.items.find((i) => i.isPassword)?.itemValue;
    if (s.autoChangeEnabled && password !== undefined) targetPasswords.set(s.id, password);
  }
  let nextSecretId = Math.max(FIRST_CREATED_ID, ...seed.secrets.map((s) => s.id + 1));
  let tokenLifetimeSeconds = seed.settings.tokenLifetimeSeconds;
  /**
   * Counters tests read to prove caching and what was (not) asked: one token per lifetime, one read
   * per redemption. `calls` counts requests by route, ids replaced: `GET /api/v1/secrets/{id}`.
   */
  const stats = { requests: 0, tokenRequests: 0, secretReads: 0, calls: {} as Record<string, number> };

  function folderPath(folderId: number): string {
    const parts: string[] = [];
    let folder: SeedFolder | undefined = folders.get(folderId);
    // Bounded walk: a cycle in a hand-written seed must not hang the stand-in.
    for (let depth = 0; folder && depth < 32; depth++) {
      parts.unshift(folder.folderName);
      folder = folders.get(folder.parentFolderId);
    }
    return `\\${parts.join("\\")}`;
  }

  /** Approved access is valid from its start up to (not including) its expiration. */
  function hasApprovedAccess(secretId: number, username: string, now = Date.now()): boolean {
    return [...accessRequests.values()].some(
      (r) => r.secretId === secretId && r.requester === username && r.status === "Approved" && r.startDate <= now && now < r.expirationDate,
    );
  }

  function displayName(username: string): string {
    return seed.users.find((u) => u.username === username)?.displayName ?? username;
  }

  return {
    seed,
    folders,
    secrets,
    templates,
    folderPath,
    displayName,
    stats,

    get tokenLifetimeSeconds() {
      return tokenLifetimeSeconds;
    },
    set tokenLifetimeSeconds(seconds: number) {
      tokenLifetimeSeconds = seconds;
    },

    issueToken(principal: Principal): { accessToken: string; refreshToken: string; expiresIn: number } {
      const accessToken = randomToken();
      const refreshToken = randomToken();
      tokens.set(accessToken, { principal, expiresAt: Date.now() + tokenLifetimeSeconds * 1000 });
      refreshTokens.set(refreshToken, principal);
      return { accessToken, refreshToken, expiresIn: tokenLifetimeSeconds };
    },

    /** Refresh tokens are single use, as in Secret Server. */
    redeemRefreshToken(refreshToken: string): Principal | undefined {
      const principal = refreshTokens.get(refreshToken);
      refreshTokens.delete(refreshToken);
      return principal;
    },

    principalFor(accessToken: string): Principal | undefined {
      const issued = tokens.get(accessToken);
      if (!issued || issued.expiresAt <= Date.now()) return undefined;
      return issued.principal;
    },

    expireAllTokens(): void {
      tokens.clear();
      refreshTokens.clear();
    },

    canSee(principal: Principal, secret: SeedSecret): boolean {
      return secret.allowedUsers === undefined || secret.allowedUsers.includes(principal.username);
    },

    checkedOutBy(secretId: number): string | undefined {
      return checkedOutBy.get(secretId);
    },
    checkOut(secretId: number, username: string): void {
      checkedOutBy.set(secretId, username);
    },
    checkIn(secretId: number): void {
      checkedOutBy.delete(secretId);
    },
    checkOuts(): Record<number, string> {
      return Object.fromEntries(checkedOutBy);
    },

    audit(secretId: number, principal: Principal, action: string, notes: string | undefined): void {
      audits.push({
        id: audits.length + 1,
        secretId,
        action,
        byUserDisplayName: principal.displayName,
        username: principal.username,
        dateRecorded: new Date().toISOString(),
        notes: notes ?? null,
      });
    },
    auditsFor(secretId: number): AuditRecord[] {
      return audits.filter((a) => a.secretId === secretId).reverse();
    },

    /** Secret Server's user ids are database ids; the seed's order stands in for them. */
    userId(username: string): number {
      return seed.users.findIndex((u) => u.username === username) + 1;
    },

    fileAccessRequest(filing: AccessRequestFiling): AccessRequestRecord {
      const record: AccessRequestRecord = {
        ...filing,
        id: accessRequests.size + 1,
        requestDate: Date.now(),
        status: "Pending",
        responseComment: null,
        responseDate: null,
        decidedBy: null,
      };
      accessRequests.set(record.id, record);
      return record;
    },
    accessRequest(id: number): AccessRequestRecord | undefined {
      return accessRequests.get(id);
    },
    accessRequests(): AccessRequestRecord[] {
      return [...accessRequests.values()];
    },
    /** Records a decision; the dates default to the ones requested. */
    decideAccessRequest(id: number, decision: AccessRequestDecision): AccessRequestRecord | undefined {
      const record = accessRequests.get(id);
      if (!record) return undefined;
      record.status = decision.status;
      record.decidedBy = decision.decidedBy;
      record.responseComment = decision.responseComment ?? null;
      record.responseDate = Date.now();
      record.startDate = decision.startDate ?? record.startDate;
      record.expirationDate = decision.expirationDate ?? record.expirationDate;
      return record;
    },
    /**
     * Whether this user must have an approved request before seeing a value. Approvers need none,
     * as with Secret Server's default ("Owners and Approvers also Require Approval" off).
     */
    needsApproval(secret: SeedSecret, username: string): boolean {
      return secret.requiresApprovalForAccess && !secret.approvers.includes(username) && !hasApprovedAccess(secret.id, username);
    },
    hasApprovedAccess,

    /** Stores a new secret under the next free id and returns it. */
    addSecret(secret: Omit<SeedSecret, "id">): SeedSecret {
      const created = { ...secret, id: nextSecretId++ };
      secrets.set(created.id, created);
      return created;
    },
    recordWrite(filing: WriteFiling): WriteRecord {
      const record = { ...filing, id: writes.length + 1, at: new Date().toISOString() };
      writes.push(record);
      return record;
    },
    /** Every write, oldest first. */
    writes(): WriteRecord[] {
      return [...writes];
    },
    targetPassword(secretId: number): string | undefined {
      return targetPasswords.get(secretId);
    },
    setTargetPassword(secretId: number, value: string): void {
      targetPasswords.set(secretId, value);
    },
  };
}

function randomToken(): string {
  // Web Crypto only, so the handler stays runnable outside Node.
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
