// The MCP server behind /mcp. createMcpHandler calls this factory for every request, so no state
// and no caller is ever shared between requests; each tool registers itself from its own module.
import { McpServer } from "@modelcontextprotocol/server";
import { PRODUCT_NAME } from "../pages/layout";
import { registerCreateSecret } from "./tools/create-secret";
import { registerGetSecretEnvironmentVariable } from "./tools/get-secret-environment-variable";
import { registerRevokeTickets } from "./tools/revoke-tickets";
import { registerRotateSecret } from "./tools/rotate-secret";
import { registerSearchSecrets } from "./tools/search-secrets";
import { registerSetSecretField } from "./tools/set-secret-field";
import { registerWhoami } from "./tools/whoami";

export const SERVER_VERSION = "0.1.0";

export function createMcpServer(): McpServer {
  const server = new McpServer({ name: PRODUCT_NAME, version: SERVER_VERSION });
  registerGetSecretEnvironmentVariable(server);
  registerSearchSecrets(server);
  registerRevokeTickets(server);
  registerWhoami(server);
  registerCreateSecret(server);
  registerRotateSecret(server);
  registerSetSecretField(server);
  return server;
}
