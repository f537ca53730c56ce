// The JSON shapes Secret Server answers with (camelCase, as in the REST API spec and the SDKs).
// Only shapes live here; which route answers with which shape is in api.ts.
import type { AccessRequestRecord, Principal, Store } from "./store.ts";
import type { SeedItem, SeedSecret } from "./seed.ts";

/** What Secret Server puts in a file item's itemValue: the content only comes from /fields/{slug}. */
export const FILE_ITEM_PLACEHOLDER = "*** Not Valid For Display ***";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** 400 with the spec's BadRequestResponse shape. */
export function badRequest(errorCode: string, message: string): Response {
  return json({ errorCode, message, messageDetail: null, modelState: null }, 400);
}

// Secret Server answers "Access Denied" both for a secret the caller may not see and for one that
// does not exist: there is no distinct 404.
export const accessDenied = () => badRequest("API_AccessDenied", "Access Denied");
export const commentRequired = () =>
  badRequest("API_ValidateSecretAccessCommentRequired", "The requested Secret requires a comment when viewed.");
export const checkOutRequired = () =>
  badRequest("API_CheckOutRequired", "The requested Secret must be checked out before it can be viewed.");
export const checkedOutByOther = () =>
  badRequest("API_SecretCheckedOutByAnotherUser", "The Secret is checked out by another user.");
export const fieldNotFound = () => badRequest("API_FieldNotFound", "The requested field does not exist on this Secret.");
// No published source gives the answer for a value read of an approval-gated secret without a
// current approval. Assumed: the same 400 Access Denied as for no permission (the spec documents
// 403 only as "Authentication failed", which would make a client drop its token). A client learns
// that approval is needed from requiresApprovalForAccess or the secret's state, not from this.
export const approvalRequired = accessDenied;

/** ASP.NET Web API's answer to a body that fails validation, camelCased as Secret Server sends it. */
export const invalidRequest = (modelState: Record<string, string[]>) =>
  json({ message: "The request is invalid.", modelState }, 400);

/** ASP.NET Web API's answer to a missing, unknown or expired bearer token. */
export const unauthorized = () => json({ message: "Authorization has been denied for this request." }, 401);

function itemModel(item: SeedItem, index: number, secret: SeedSecret) {
  return {
    itemId: secret.id * 100 + index,
    fieldId: item.fieldId,
    fileAttachmentId: item.isFile ? (item.fileAttachmentId ?? secret.id * 100 + index) : null,
    fieldName: item.fieldName,
    slug: item.slug,
    fieldDescription: `The ${item.fieldName.toLowerCase()} of the secret.`,
    filename: item.isFile ? (item.filename ?? "attachment.bin") : null,
    itemValue: item.isFile ? FILE_ITEM_PLACEHOLDER : item.itemValue,
    isFile: item.isFile,
    isNotes: item.isNotes,
    isPassword: item.isPassword,
    isList: false,
    listType: "None",
  };
}

/** Secret Server's "restricted": double-locked, approval required or comment required (not check-out). */
export const isRestricted = (secret: SeedSecret) => secret.requiresComment || secret.requiresApprovalForAccess;

function checkOutFields(store: Store, secret: SeedSecret) {
  const holder = store.checkedOutBy(secret.id);
  return {
    checkedOut: holder !== undefined,
    checkOutEnabled: secret.checkOutEnabled,
    checkOutIntervalMinutes: secret.checkOutEnabled ? (secret.checkOutIntervalMinutes ?? 30) : -1,
    checkOutUserDisplayName: holder === undefined ? "" : store.displayName(holder),
  };
}

/** What a secret and its search record both say about it. */
function secretBasics(store: Store, secret: SeedSecret) {
  return {
    id: secret.id,
    name: secret.name,
    secretTemplateId: secret.secretTemplateId,
    secretTemplateName: secret.secretTemplateName,
    folderId: secret.folderId,
    siteId: 1,
    active: true,
    ...checkOutFields(store, secret),
    isRestricted: isRestricted(secret),
  };
}

export function secretModel(store: Store, secret: SeedSecret) {
  return {
    ...secretBasics(store, secret),
    requiresComment: secret.requiresComment,
    requiresApprovalForAccess: secret.requiresApprovalForAccess,
    isDoubleLock: false,
    doubleLockId: -1,
    autoChangeEnabled: secret.autoChangeEnabled,
    isOutOfSync: false,
    outOfSyncReason: "",
    lastHeartBeatStatus: "Pending",
    lastHeartBeatCheck: null,
    lastPasswordChangeAttempt: "0001-01-01T00:00:00",
    enableInheritPermissions: true,
    enableInheritSecretPolicy: true,
    secretPolicyId: -1,
    passwordTypeWebScriptId: -1,
    launcherConnectAsSecretId: -1,
    proxyEnabled: false,
    sessionRecordingEnabled: false,
    webLauncherRequiresIncognitoMode: false,
    responseCodes: [],
    items: secret.items.map((item, i) => itemModel(item, i, secret)),
  };
}

/** A search record: the summary Secret Server lists, never with field values. */
export function secretSummary(store: Store, secret: SeedSecret) {
  return {
    ...secretBasics(store, secret),
    isOutOfSync: false,
    outOfSyncReason: "",
    lastHeartBeatStatus: "Pending",
    lastPasswordChangeAttempt: null,
    lastAccessed: null,
    requiresApproval: secret.requiresApprovalForAccess,
    requiresComment: secret.requiresComment,
    inheritsPermissions: true,
    hidePassword: false,
    hasLauncher: false,
    doubleLockEnabled: false,
    autoChangeEnabled: secret.autoChangeEnabled,
    createDate: "2024-01-15T09:30:00",
    daysUntilExpiration: null,
    extendedFields: null,
    responseCodes: [],
  };
}

export function folderModel(store: Store, folderId: number) {
  const folder = store.folders.get(folderId);
  if (!folder) return undefined;
  return {
    id: folder.id,
    folderName: folder.folderName,
    folderPath: store.folderPath(folder.id),
    parentFolderId: folder.parentFolderId,
    folderTypeId: 1,
    secretPolicyId: -1,
    inheritSecretPolicy: true,
    inheritPermissions: true,
    childFolders: null,
    secretTemplates: null,
  };
}

/** The first thing the caller must do before seeing a value, in Secret Server's order. */
function secretState(store: Store, secret: SeedSecret, caller: Principal): string {
  if (store.needsApproval(secret, caller.username)) return "RequiresApproval";
  const needsCheckOut = secret.checkOutEnabled && store.checkedOutBy(secret.id) !== caller.username;
  if (needsCheckOut && secret.requiresComment) return "RequiresCheckoutAndComment";
  if (needsCheckOut) return "RequiresCheckout";
  if (secret.requiresComment) return "RequiresComment";
  return "None";
}

export function stateModel(store: Store, secret: SeedSecret, caller: Principal) {
  const holder = store.checkedOutBy(secret.id);
  const folder = store.folders.get(secret.folderId);
  return {
    id: secret.id,
    secretName: secret.name,
    folderId: secret.folderId,
    folderName: folder?.folderName ?? null,
    isActive: true,
    isCheckedOut: holder !== undefined,
    isCheckedOutByCurrentUser: holder === caller.username,
    checkedOutUserId: holder === undefined ? null : store.userId(holder),
    checkedOutUserDisplayName: holder === undefined ? null : store.displayName(holder),
    // The stand-in does not expire check-outs (README), so there is no countdown to report.
    checkOutMinutesRemaining: null,
    checkOutIntervalMinutes: secret.checkOutEnabled ? (secret.checkOutIntervalMinutes ?? 30) : null,
    secretState: secretState(store, secret, caller),
    role: "View",
    passwordChangePending: false,
  };
}

const STATUS_DESCRIPTIONS = {
  Pending: "Waiting for approval",
  Approved: "Approved",
  Denied: "Denied",
  Canceled: "Canceled",
  Expired: "Approval expired",
} as const;

const isoDate = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * SecretAccessModel (`/secret-access-requests`). An approval whose window has closed reads
 * `Expired`, one of the spec's AccessRequestState values; the stand-in stores only the other four.
 */
export function accessRequestModel(store: Store, record: AccessRequestRecord, viewerMayReview: boolean) {
  const secret = store.secrets.get(record.secretId);
  const expired = record.status === "Approved" && Date.now() >= record.expirationDate;
  const status = expired ? "Expired" : record.status;
  return {
    secretAccessRequestId: record.id,
    secretId: record.secretId,
    secretName: secret?.name ?? null,
    folderId: secret?.folderId ?? null,
    status,
    statusDescription: STATUS_DESCRIPTIONS[status],
    requestComment: record.requestComment,
    responseComment: record.responseComment,
    startDate: isoDate(record.startDate),
    expirationDate: isoDate(record.expirationDate),
    requestDate: isoDate(record.requestDate),
    responseDate: isoDate(record.responseDate),
    approverDisplayName: record.decidedBy === null ? null : store.displayName(record.decidedBy),
    requestingUserId: store.userId(record.requester),
    requestUsername: record.requester,
    completed: status !== "Pending",
    hasWorkflow: false,
    accessRequestWorkflowMapId: null,
    reviewStatusMessage: null,
    ticketNumber: record.ticketNumber,
    ticketSystemId: record.ticketSystemId,
    currentUserRestrictedFromReviewing: !viewerMayReview,
  };
}

/** The paging envelope every Secret Server list answers with. */
export function page<T>(all: T[], skip: number, take: number) {
  const records = all.slice(skip, skip + take);
  return {
    records,
    total: all.length,
    skip,
    take,
    pageCount: take > 0 ? Math.ceil(all.length / take) : 0,
    currentPage: take > 0 ? Math.floor(skip / take) + 1 : 1,
    batchCount: records.length,
    prevSkip: Math.max(0, skip - take),
    nextSkip: skip + take,
    hasPrev: skip > 0,
    hasNext: skip + take < all.length,
    sortBy: [],
    success: true,
    severity: "None",
  };
}
