export { createSecretServerClient, secretServerClientFor, SEARCH_LIMIT } from "./client";
export { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES } from "./transport";
export type {
  ReadContext,
  SecretFieldInfo,
  SecretInfo,
  SecretReader,
  SecretRef,
  SecretServerClientOptions,
  SecretSummary,
} from "./types";
