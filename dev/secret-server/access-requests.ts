// Secret Server's approval workflow ("access requests"): filing a request, reading it, and an
// approver's decision, with the REST API's SecretAccessCreateArgs, SecretAccessUpdateArgs and
// SecretAccessModel; plus the stand-in's own control to decide a request from a test. Which
// secrets need approval, and the gate on their values, are in store.ts and api.ts.
import { z } from "zod";
import { accessDenied, accessRequestModel, invalidRequest, json } from "./shapes.ts";
import type { AccessRequestRecord, Principal, Store } from "./store.ts";

const dateText = z.string().refine((text) => !Number.isNaN(Date.parse(text)), "The value is not a valid date.");

/** SecretAccessCreateArgs. The spec makes only secretId required; see README for what is assumed. */
const createArgs = z.object({
  secretId: z.number().int().positive(),
  requestComment: z.string().trim().min(1, "A request comment is required."),
  startDate: dateText.nullish(),
  expirationDate: dateText,
  ticketNumber: z.string().nullish(),
  ticketSystemId: z.number().int().nullish(),
});

/** SecretAccessUpdateArgs, as Update-TssSecretAccessRequest sends them. */
const updateArgs = z.object({
  secretAccessRequestId: z.number().int().positive(),
  status: z.enum(["Pending", "Approved", "Denied", "Canceled"]),
  startDate: dateText.nullish(),
  expirationDate: dateText.nullish(),
  responseComment: z.string().nullish(),
});

/** `POST /_stand-in/access-requests/{id}`: decide as the secret's approver (or, to cancel, its requester). */
const standInDecision = z.object({
  status: z.enum(["Approved", "Denied", "Canceled"]),
  responseComment: z.string().optional(),
  startDate: dateText.optional(),
  expirationDate: dateText.optional(),
});

type Issues = z.ZodError["issues"];
const modelState = (issues: Issues) => {
  const state: Record<string, string[]> = {};
  for (const issue of issues) (state[["args", ...issue.path].join(".")] ??= []).push(issue.message);
  return state;
};
const invalid = (field: string, message: string) => invalidRequest({ [`args.${field}`]: [message] });
const ms = (text: string | null | undefined) => (text ? Date.parse(text) : undefined);

async function bodyOf(request: Request): Promise<unknown> {
  return request.json().catch(() => undefined);
}

/** Approvers decide, but never on their own request ("Requestors cannot approve their own requests"). */
function mayReview(store: Store, record: AccessRequestRecord, username: string): boolean {
  const secret = store.secrets.get(record.secretId);
  return secret !== undefined && secret.approvers.includes(username) && username !== record.requester;
}

const modelFor = (store: Store, record: AccessRequestRecord, viewer: Principal) =>
  json(accessRequestModel(store, record, mayReview(store, record, viewer.username)));

/** The requested window must be well formed and not over before it is decided. */
function windowProblem(start: number, expiration: number): Response | undefined {
  if (expiration <= start) return invalid("expirationDate", "Expiration Date must be after Start Date.");
  if (expiration <= Date.now()) return invalid("expirationDate", "Expiration Date must be in the future.");
  return undefined;
}

async function fileRequest(store: Store, request: Request, principal: Principal): Promise<Response> {
  const parsed = createArgs.safeParse(await bodyOf(request));
  if (!parsed.success) return invalidRequest(modelState(parsed.error.issues));
  const args = parsed.data;
  const secret = store.secrets.get(args.secretId);
  if (!secret || !store.canSee(principal, secret)) return accessDenied();
  // Assumed (not documented): a secret without the setting has nothing to request.
  if (!secret.requiresApprovalForAccess) return invalid("secretId", "The Secret does not require approval for access.");
  const startDate = ms(args.startDate) ?? Date.now();
  const expirationDate = ms(args.expirationDate)!;
  const problem = windowProblem(startDate, expirationDate);
  if (problem) return problem;
  const record = store.fileAccessRequest({
    secretId: secret.id,
    requester: principal.username,
    requestComment: args.requestComment,
    startDate,
    expirationDate,
    ticketNumber: args.ticketNumber ?? null,
    ticketSystemId: args.ticketSystemId ?? null,
  });
  return modelFor(store, record, principal);
}

/** PUT: approvers approve or deny, the requester cancels; only a pending request can change. */
async function decideRequest(store: Store, request: Request, principal: Principal): Promise<Response> {
  const parsed = updateArgs.safeParse(await bodyOf(request));
  if (!parsed.success) return invalidRequest(modelState(parsed.error.issues));
  const { secretAccessRequestId, status, responseComment } = parsed.data;
  const record = store.accessRequest(secretAccessRequestId);
  if (!record) return accessDenied();
  const allowed = status === "Canceled" ? record.requester === principal.username : mayReview(store, record, principal.username);
  if (!allowed) return accessDenied();
  if (status === "Pending") return invalid("status", "A request can only be approved, denied or canceled.");
  if (record.status !== "Pending") return invalid("status", "The request has already been completed.");
  if (status === "Denied" && !responseComment?.trim()) return invalid("responseComment", "A response comment is required to deny a request.");
  const window = status === "Approved" ? approvedWindow(parsed.data) : {};
  if (window instanceof Response) return window;
  store.decideAccessRequest(record.id, { status, decidedBy: principal.username, responseComment: responseComment ?? undefined, ...window });
  return modelFor(store, record, principal);
}

/** Approving needs the window (Update-TssSecretAccessRequest refuses to send one without it). */
function approvedWindow(args: z.output<typeof updateArgs>): { startDate: number; expirationDate: number } | Response {
  if (!args.expirationDate) return invalid("expirationDate", "Start and Expiration Dates are required to approve a request.");
  const startDate = ms(args.startDate) ?? Date.now();
  const expirationDate = ms(args.expirationDate)!;
  return windowProblem(startDate, expirationDate) ?? { startDate, expirationDate };
}

/** `/api/v1/secret-access-requests[/{id}]`; undefined when no route matches (the caller answers 404). */
export async function accessRequestRoute(store: Store, request: Request, rest: string, principal: Principal): Promise<Response | undefined> {
  if (rest === "" && request.method === "POST") return fileRequest(store, request, principal);
  if (rest === "" && request.method === "PUT") return decideRequest(store, request, principal);
  const one = /^\/(\d+)$/.exec(rest);
  if (one && request.method === "GET") {
    const record = store.accessRequest(Number(one[1]));
    const visible = record && (record.requester === principal.username || mayReview(store, record, principal.username));
    return visible ? modelFor(store, record, principal) : accessDenied();
  }
  return undefined;
}

/** `GET /_stand-in/access-requests`: every request, oldest first, as an approver sees it. */
export function listAccessRequests(store: Store): Response {
  return json(store.accessRequests().map((record) => accessRequestModel(store, record, true)));
}

/**
 * `POST /_stand-in/access-requests/{id}`: what an approver (or the requester, to cancel) would do,
 * without a second login. Unlike the API, any request may be decided again and the window is taken
 * as given, so a test can approve one that has not started or has already ended.
 */
export function decideAccessRequestForTest(store: Store, id: number, body: unknown): Response {
  const parsed = standInDecision.safeParse(body);
  if (!parsed.success) return json({ error: "invalid access-request decision", issues: parsed.error.issues }, 400);
  const record = store.accessRequest(id);
  if (!record) return json({ error: "no such access request" }, 404);
  const { status, responseComment, startDate, expirationDate } = parsed.data;
  const approver = store.secrets.get(record.secretId)?.approvers[0] ?? "stand-in";
  const decidedBy = status === "Canceled" ? record.requester : approver;
  store.decideAccessRequest(id, { status, decidedBy, responseComment, startDate: ms(startDate), expirationDate: ms(expirationDate) });
  return json(accessRequestModel(store, record, true));
}
