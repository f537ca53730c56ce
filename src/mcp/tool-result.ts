// How tool outcomes reach the model. Errors become MCP tool errors (isError) carrying only the
// public message of a ClaimcheckError: never an upstream body, a stack or a value.
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import { ClaimcheckError } from "../errors";
import { logEvent } from "../log";

export function toolError(err: unknown): CallToolResult {
  if (!(err instanceof ClaimcheckError)) logEvent("error", "tool failed", { error: err instanceof Error ? err.name : typeof err });
  const message = err instanceof ClaimcheckError ? err.message : "Internal error.";
  const code = err instanceof ClaimcheckError ? err.code : "INTERNAL";
  return { isError: true, content: [{ type: "text", text: `${code}: ${message}` }] };
}

/** Runs a tool body and turns any thrown error into a tool error. */
export async function asToolResult(
  run: () => Promise<CallToolResult | InputRequiredResult>,
): Promise<CallToolResult | InputRequiredResult> {
  try {
    return await run();
  } catch (err) {
    return toolError(err);
  }
}
