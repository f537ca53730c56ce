// search_secrets: what the caller may ask for. Names, folders and field slugs only, never a
// value, and only secrets the access policy allows this caller.
import type { McpServer } from "@modelcontextprotocol/server";
import { env } from "cloudflare:workers";
import { z } from "zod";
import { loadConfig } from "../../config";
import { isAllowed } from "../../policy/access-policy";
import { secretServerClientFor } from "../../secret-server";
import { currentGrant } from "../caller";
import { secretPathOf } from "../secret-access";
import { asToolResult } from "../tool-result";

const Input = z.object({
  query: z.string().min(1).max(100).describe("Text to look for in secret names (Secret Server's search)"),
});

const Found = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string().describe("Folder path and name; pass it as secret_path"),
  fields: z.array(z.string()).describe("Field slugs; pass one as field"),
  requires_comment: z.boolean().describe("Whether get_secret_environment_variable needs a comment for it"),
});
const Output = z.object({ secrets: z.array(Found) });

export function registerSearchSecrets(server: McpServer): void {
  server.registerTool(
    "search_secrets",
    {
      title: "Search secrets",
      description:
        "Searches Delinea Secret Server for secrets you are allowed to use, by name. Returns ids, paths, field names and whether a comment is required — never values. Use a result's path with get_secret_environment_variable.",
      inputSchema: Input,
      outputSchema: Output,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ query }, ctx) =>
      asToolResult(async () => {
        const config = loadConfig(env);
        const { who } = await currentGrant(ctx);
        const found = await secretServerClientFor(config.secretServer).search(query);
        const secrets = found
          .map((s) => ({ s, path: secretPathOf(s) }))
          .filter(({ s, path }) => isAllowed(config.accessPolicy, who, { id: s.id, path }))
          .map(({ s, path }) => ({
            id: s.id,
            name: s.name,
            path,
            fields: s.fields.map((f) => f.slug),
            requires_comment: s.requiresComment,
          }));
        const text =
          secrets.length === 0
            ? `No secrets you may use match "${query}".`
            : secrets.map((s) => `${s.path} (id ${s.id}) fields: ${s.fields.join(", ")}${s.requires_comment ? " — requires a comment" : ""}`).join("\n");
        return { content: [{ type: "text", text }], structuredContent: { secrets } };
      }),
  );
}
