// Who is calling a tool. The OAuth provider decrypts the grant's props for each /mcp request and
// createMcpHandler exposes them through getMcpAuthContext(); they are parsed again here, so a tool
// only ever sees a well-formed Identity (and nothing else that might have been stored beside it).
import { getMcpAuthContext } from "agents/mcp/server";
import { Identity } from "../auth/identity";
import { ClaimcheckError } from "../errors";

export function currentCaller(): Identity {
  const parsed = Identity.safeParse(getMcpAuthContext()?.props);
  if (!parsed.success) throw new ClaimcheckError("UNAUTHORIZED", { detail: "mcp_request_without_identity" });
  return parsed.data;
}
