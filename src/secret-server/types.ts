// What the rest of claimcheck sees of Secret Server: a reader, a writer and value-free descriptions
// of secrets and templates. Field values only ever leave through `readField`'s return value; the
// writer takes values in and never hands one back (a generated password least of all).

/** A secret named by its numeric id or by its path (`db/prod` or `\db\prod`). */
export type SecretRef = { id: number } | { path: string };

/** A field of a secret, without its value. */
export type SecretFieldInfo = {
  slug: string;
  fieldName: string;
  isPassword: boolean;
  isFile: boolean;
};

export type SecretInfo = {
  id: number;
  name: string;
  folderId: number | null;
  /** Like `\Payments\Restricted`; `\` for a secret at the root. What folder policies match against. */
  folderPath: string;
  /** Secret Server refuses to show a value without a comment (recorded in its own audit). */
  requiresComment: boolean;
  /**
   * A value can only be read under an approved access request (see `requestAccess`). A hint, false
   * when Secret Server does not say: its own read refuses a value until access is approved.
   */
  requiresApproval: boolean;
  /** A value can only be read between a check-out and a check-in. */
  checkOutEnabled: boolean;
  checkedOut: boolean;
  /** The secret's fields, from its template: known without reading the secret, whatever guards it. */
  fields: SecretFieldInfo[];
};

/** A search result: what a caller needs to pick a secret and a field, never a value. */
export type SecretSummary = Omit<SecretInfo, "checkedOut" | "requiresApproval">;

/** Who is reading and why: written into Secret Server's own audit so it names the human. */
export type ReadContext = {
  /** The human the read is for (email or username from the OAuth grant). */
  requestedBy?: string | undefined;
  /** The OAuth client (the agent) the human uses, so Secret Server's audit names it too. */
  clientId?: string | undefined;
  /** A short, non-secret ticket id (never the ticket itself). */
  ticketId?: string | undefined;
  /** The human's reason; required for secrets that require a comment. */
  comment?: string | undefined;
  /**
   * What guards the secret, as learnt when the ticket was minted. With an id ref it spares the
   * summary lookup, so a redemption costs Secret Server one request (plus check-out and check-in
   * where enabled). If the guards changed since, Secret Server refuses the read and says so.
   */
  known?: { requiresComment: boolean; checkOutEnabled: boolean } | undefined;
};

/** Everything claimcheck asks of Secret Server; values only ever leave through `readField`. */
export interface SecretReader extends AccessRequests {
  getSecret(ref: SecretRef): Promise<SecretInfo>;
  readField(ref: SecretRef, slug: string, context?: ReadContext): Promise<string>;
  search(text: string): Promise<SecretSummary[]>;
}

/**
 * Secret Server's AccessRequestState, as far as claimcheck acts on it. Its other values
 * (`WaitingForRequest`, `Expired`, v2's `Revoked`) and any a later version adds read `Unknown`:
 * never approved, so an unexpected answer can only withhold access, never grant it.
 */
export type AccessRequestStatus = "Pending" | "Approved" | "Denied" | "Canceled" | "Unknown";

/** An access request as Secret Server reports it. Approved access holds from `startDate` until `expirationDate`. */
export type AccessRequest = {
  id: number;
  secretId: number;
  status: AccessRequestStatus;
  startDate?: string;
  expirationDate?: string;
};

/** What the app account asks Secret Server's approvers for; `comment` is what they are shown. */
export type NewAccessRequest = {
  secretId: number;
  /** Who really asks and why (the human, the OAuth client, the ticket): the request is filed by the app account. */
  comment: string;
  startDate: Date;
  expirationDate: Date;
};

/** Secret Server's own approval workflow ("access requests"), filed as the app account. */
export interface AccessRequests {
  /** The secret's `secretState` for the app account: `None`, `RequiresApproval`, `RequiresComment`, … */
  secretState(id: number): Promise<string>;
  requestAccess(req: NewAccessRequest): Promise<AccessRequest>;
  accessRequest(id: number): Promise<AccessRequest>;
  /** Withdraws the app account's own request (status `Canceled`), e.g. when its ticket is revoked. */
  withdrawAccessRequest(id: number): Promise<void>;
}

/** A field of a secret template: what a new secret of that template holds, never a value. */
export type SecretTemplateField = {
  /** `secretTemplateFieldId`: what Secret Server's password generator is asked for. */
  fieldId: number;
  slug: string;
  name: string;
  isPassword: boolean;
  isFile: boolean;
  isNotes: boolean;
  isRequired: boolean;
};

export type SecretTemplate = { id: number; name: string; fields: SecretTemplateField[] };

/** A secret to create. Its password comes from Secret Server's generator or is given. */
export type NewSecret = {
  /** From `folderIdByPath`; -1 for the root folder. */
  folderId: number;
  templateId: number;
  /** Plain name (no `\` or `/`: claimcheck names secrets by path). */
  name: string;
  /** Values of the template's other fields, by slug. Password and file fields are refused here. */
  fields: Record<string, string>;
  /** `generate`: Secret Server's generator fills the template's password field; the value is never returned. */
  password: { generate: true } | { value: string };
  /**
   * The human's reason. Secret Server's create arguments have no comment, so it is not sent; it is
   * checked like a write's comment, for callers that record it in their own audit.
   */
  comment?: string;
};

export type CreatedSecret = { id: number; name: string; folderId: number };

/** Who writes and why: the comment Secret Server records names the human and the ticket, as for reads. */
export type WriteContext = ReadContext;

export type Rotation = {
  /** ISO 8601, when Secret Server accepted the change. */
  rotatedAt: string;
  /**
   * True: Secret Server's own remote password change was asked for, so the target system changes
   * too (Secret Server runs it on its next Remote Password Changing cycle). False: a value from
   * Secret Server's generator was stored in the field, and nothing else was changed.
   */
  remote: boolean;
};

/** Everything claimcheck writes to Secret Server. No method returns a value. */
export interface SecretWriter {
  /** A template by id (a number or digits) or by its exact name, case-insensitive. */
  templateByNameOrId(ref: string | number): Promise<SecretTemplate>;
  /** The id of the folder at `path` (`Payments/agents` or `\Payments\agents`); -1 for the root. */
  folderIdByPath(path: string): Promise<number>;
  createSecret(req: NewSecret): Promise<CreatedSecret>;
  /** Sets one text field to exactly `value`. */
  setField(id: number, slug: string, value: string, context: WriteContext): Promise<void>;
  /** A new value from Secret Server for a password field (remote password change where it is on). */
  rotatePassword(id: number, slug: string, context: WriteContext): Promise<Rotation>;
}

/** The client `createSecretServerClient` returns. */
export type SecretServerClient = SecretReader & SecretWriter;

export type SecretServerClientOptions = {
  /** Defaults to the global fetch. */
  fetch?: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
  /** Per request, including reading the body. Default 5000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt for 429/502/503/504, timeouts and network errors. Default 2. */
  maxRetries?: number;
  /** Clock for token expiry and the folder and template caches (ms since the epoch). Default Date.now. */
  now?: () => number;
};
