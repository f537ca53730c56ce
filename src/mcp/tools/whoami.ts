// whoami: the signed-in identity as claimcheck sees it (the same one ACCESS_POLICY is checked
// against). Subject, email, name and groups only: never a token.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { currentCaller } from "../caller";

const WhoamiOutput = z.object({
  subject: z.string().describe("Your subject identifier at the company's identity provider"),
  email: z.string().describe("Your email address"),
  name: z.string().optional().describe("Your display name, when the identity provider shares it"),
  groups: z.array(z.string()).describe("Your groups at the identity provider"),
});
type WhoamiOutput = z.infer<typeof WhoamiOutput>;

function describe(who: WhoamiOutput): string {
  const groups = who.groups.length > 0 ? who.groups.join(", ") : "(none)";
  return [`Signed in as ${who.name ? `${who.name} <${who.email}>` : who.email}`, `Subject: ${who.subject}`, `Groups: ${groups}`].join("\n");
}

export function registerWhoami(server: McpServer): void {
  server.registerTool(
    "whoami",
    {
      title: "Who am I",
      description:
        "Shows who you are signed in to claimcheck as: subject, email, name and groups from the company's sign-in. Access to secrets is decided from these. Returns no tokens and no secrets.",
      inputSchema: z.object({}),
      outputSchema: WhoamiOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => {
      const caller = currentCaller();
      const who: WhoamiOutput = { subject: caller.sub, email: caller.email, name: caller.name, groups: caller.groups };
      return { content: [{ type: "text", text: describe(who) }], structuredContent: who };
    },
  );
}
