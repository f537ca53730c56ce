// The entry point for deposit snippets: check the request, then hand it to the deposit form of
// the same per-shell renderer that redeems (one module per shell, sharing quoting and curl flags).
import { renderCmdDeposit } from "./cmd-snippet";
import { checkDepositRequest } from "./deposit-request";
import type { CheckedDepositRequest, DepositRequest, DepositSnippet } from "./deposit-request";
import { renderFishDeposit } from "./fish-snippet";
import { renderPosixDeposit } from "./posix-snippet";
import { renderPowershellDeposit } from "./powershell-snippet";
import type { Shell } from "./snippet-request";

const RENDERERS: Record<Shell, (request: CheckedDepositRequest) => DepositSnippet> = {
  bash: renderPosixDeposit,
  zsh: renderPosixDeposit,
  sh: renderPosixDeposit,
  fish: renderFishDeposit,
  powershell: renderPowershellDeposit,
  cmd: renderCmdDeposit,
};

/**
 * Renders the shell code that sends a value from `source` to `depositUrl` with the deposit
 * `ticket` (first waiting for a person's approval where `approval` is given). The server answers
 * one line, which the snippet prints; any failure exits non-zero and stores nothing.
 * Pure: no I/O. Throws ClaimcheckError BAD_REQUEST for a request it will not render.
 */
export function renderDepositSnippet(request: DepositRequest): DepositSnippet {
  const checked = checkDepositRequest(request);
  return RENDERERS[checked.shell](checked);
}
