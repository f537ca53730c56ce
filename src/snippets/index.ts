export { renderSnippet } from "./render-snippet";
export { renderDepositSnippet } from "./render-deposit-snippet";
export { SHELLS } from "./snippet-request";
export { CONCEAL_MASK } from "./conceal-filter";
export type { Shell, Snippet, SnippetRequest } from "./snippet-request";
export type { DepositRequest, DepositSnippet, DepositSource } from "./deposit-request";
