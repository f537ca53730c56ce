export { createSecretServerClient, secretServerClientFor, SEARCH_LIMIT } from "./client";
export { MAX_REQUEST_COMMENT_CHARS } from "./access-requests";
export { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES } from "./transport";
export type {
  AccessRequest,
  AccessRequests,
  AccessRequestStatus,
  NewAccessRequest,
  ReadContext,
  SecretFieldInfo,
  SecretInfo,
  SecretReader,
  SecretRef,
  SecretServerClientOptions,
  SecretSummary,
} from "./types";
