export { createSecretServerClient, secretServerClientFor, SEARCH_LIMIT } from "./client";
export { MAX_REQUEST_COMMENT_CHARS } from "./access-requests";
export { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES } from "./transport";
export { MAX_FIELD_VALUE_BYTES } from "./write-values";
export type {
  AccessRequest,
  AccessRequests,
  AccessRequestStatus,
  CreatedSecret,
  NewAccessRequest,
  NewSecret,
  ReadContext,
  Rotation,
  SecretFieldInfo,
  SecretInfo,
  SecretReader,
  SecretRef,
  SecretServerClient,
  SecretServerClientOptions,
  SecretSummary,
  SecretTemplate,
  SecretTemplateField,
  SecretWriter,
  WriteContext,
} from "./types";
