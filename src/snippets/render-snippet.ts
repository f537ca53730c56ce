// The one entry point: check the request, then hand it to the renderer for its shell.
import { renderCmdSnippet } from "./cmd-snippet";
import { renderFishConcealed } from "./fish-conceal";
import { renderFishSnippet } from "./fish-snippet";
import { renderPosixConcealed } from "./posix-conceal";
import { renderPosixSnippet } from "./posix-snippet";
import { renderPowershellConcealed } from "./powershell-conceal";
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
 * The command forms that conceal the value in the command's output. cmd has none: it cannot
 * filter a stream without re-parsing it as code, so its command form runs unconcealed and says so
 * (`masked: false`).
 */
const CONCEALERS: Partial<Record<Shell, (request: CheckedSnippetRequest, command: string) => string>> = {
  bash: renderPosixConcealed,
  zsh: renderPosixConcealed,
  sh: renderPosixConcealed,
  fish: renderFishConcealed,
  powershell: renderPowershellConcealed,
};

/**
 * Renders the shell code that redeems `ticket` at `redeemUrl` into the environment variable
 * `variableName` (or, with `command`, runs that command with the variable in its environment only,
 * its output concealed unless `mask` is false). Pure: no I/O. Throws ClaimcheckError BAD_REQUEST
 * for a request it will not render.
 */
export function renderSnippet(request: SnippetRequest): Snippet {
  const checked = checkSnippetRequest(request);
  const { shell, command, mask } = checked;
  const plain = RENDERERS[shell](checked);
  const conceal = CONCEALERS[shell];
  if (command === undefined || !mask || conceal === undefined) return plain;
  return { ...plain, script: conceal(checked, command), masked: true };
}
