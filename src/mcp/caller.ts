// Who is calling a tool. The OAuth provider decrypts the grant's props for each /mcp request and
// createMcpHandler exposes them through getMcpAuthContext(); they are parsed again here, so a tool
// only ever sees a well-formed Identity (and nothing else that might have been stored beside it).
import type { ServerContext } from "@modelcontextprotocol/server";
import { getMcpAuthContext } from "agents/mcp/server";
import { Identity } from "../auth/identity";
import { sha256Hex } from "../digest";
import { ClaimcheckError } from "../errors";

export function currentCaller(): Identity {
  const parsed = Identity.safeParse(getMcpAuthContext()?.props);
  if (!parsed.success) throw new ClaimcheckError("UNAUTHORIZED", { detail: "mcp_request_without_identity" });
  return parsed.data;
}

export type Grant = {
  who: Identity;
  /** The OAuth client the user approved (from the verified access token, not from the request). */
  clientId: string;
  /**
   * Names the TicketStore of this user and this client. The MCP handler is stateless (no
   * transport session), so the grant is the session: a hash, so no personal data is in a name.
   */
  session: string;
};

/** Hex characters of the session hash kept: 128 bits, unique for every practical purpose. */
const SESSION_HEX_CHARS = 32;

export async function sessionOf(sub: string, clientId: string): Promise<string> {
  return `grant-${(await sha256Hex(`grant\n${sub}\n${clientId}`)).slice(0, SESSION_HEX_CHARS)}`;
}

export async function currentGrant(ctx: ServerContext): Promise<Grant> {
  const who = currentCaller();
  const clientId = ctx.http?.authInfo?.clientId;
  if (!clientId) throw new ClaimcheckError("UNAUTHORIZED", { detail: "mcp_request_without_client" });
  return { who, clientId, session: await sessionOf(who.sub, clientId) };
}
