export { renderSnippet } from "./render-snippet";
export { SHELLS } from "./snippet-request";
export type { Shell, Snippet, SnippetRequest } from "./snippet-request";
