// revoke_tickets: the caller's panic button. Every ticket this user minted through this client
// and has not redeemed stops working at once.
import type { McpServer } from "@modelcontextprotocol/server";
import { env } from "cloudflare:workers";
import { z } from "zod";
import { loadConfig } from "../../config";
import { secretServerClientFor } from "../../secret-server";
import { revokeSessionTickets } from "../../tickets/revoke-tickets";
import { currentGrant } from "../caller";
import { asToolResult } from "../tool-result";

const Output = z.object({ revoked: z.number().describe("How many unredeemed tickets were revoked") });

export function registerRevokeTickets(server: McpServer): void {
  server.registerTool(
    "revoke_tickets",
    {
      title: "Revoke my tickets",
      description:
        "Revokes every claim ticket you were given in this session that has not been redeemed yet, for example when a script was shown somewhere it should not have been. Secrets already in variables are not affected: unset those with their cleanup code.",
      inputSchema: z.object({}),
      outputSchema: Output,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (_input, ctx) =>
      asToolResult(async () => {
        const grant = await currentGrant(ctx);
        const revoked = await revokeSessionTickets(env, grant.session, {}, secretServerClientFor(loadConfig(env).secretServer));
        return {
          content: [{ type: "text", text: revoked === 0 ? "You had no unredeemed tickets." : `Revoked ${revoked} unredeemed ticket(s).` }],
          structuredContent: { revoked },
        };
      }),
  );
}
