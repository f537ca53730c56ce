// The one entry point: check the request, then hand it to the renderer for its shell.
import { renderCmdSnippet } from "./cmd-snippet";
import { renderFishSnippet } from "./fish-snippet";
import { renderPosixSnippet } from "./posix-snippet";
import { renderPowershellSnippet } from "./powershell-snippet";
import { checkSnippetRequest } from "./snippet-request";
import type { CheckedSnippetRequest, Shell, Snippet, SnippetRequest } from "./snippet-request";

const RENDERERS: Record<Shell, (request: CheckedSnippetRequest) => Snippet> = {
  bash: renderPosixSnippet,
  zsh: renderPosixSnippet,
  sh: renderPosixSnippet,
  fish: renderFishSnippet,
  powershell: renderPowershellSnippet,
  cmd: renderCmdSnippet,
};

/**
 * Renders the shell code that redeems `ticket` at `redeemUrl` into the environment variable
 * `variableName` (or, with `command`, runs that command with the variable in its environment only).
 * Pure: no I/O. Throws ClaimcheckError BAD_REQUEST for a request it will not render.
 */
export function renderSnippet(request: SnippetRequest): Snippet {
  const checked = checkSnippetRequest(request);
  return RENDERERS[checked.shell](checked);
}
