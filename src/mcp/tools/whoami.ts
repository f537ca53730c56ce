// whoami: the signed-in identity as claimcheck sees it (the same one ACCESS_POLICY is checked
// against). Subject, email, name and groups only: never a token.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { env } from "cloudflare:workers";
import { loadConfig } from "../../config";
import { rulesFor, type Action } from "../../policy/access-policy";
import { currentCaller } from "../caller";

const Scope = z.object({
  paths: z.array(z.string()).describe("Secret path patterns"),
  ids: z.array(z.number()).describe("Secret ids"),
});

const WhoamiOutput = z.object({
  subject: z.string().describe("Your subject identifier at the company's identity provider"),
  email: z.string().describe("Your email address"),
  name: z.string().optional().describe("Your display name, when the identity provider shares it"),
  groups: z.array(z.string()).describe("Your groups at the identity provider"),
  allowed: Scope.describe("What the access policy lets you read"),
  writable: Scope.describe("What the access policy lets you create, rotate and set"),
});
type WhoamiOutput = z.infer<typeof WhoamiOutput>;

function listed(scope: z.infer<typeof Scope>): string[] {
  return [...scope.paths, ...scope.ids.map((id) => `id ${id}`)];
}

function describe(who: WhoamiOutput): string {
  const groups = who.groups.length > 0 ? who.groups.join(", ") : "(none)";
  const allowed = listed(who.allowed);
  const writable = listed(who.writable);
  return [
    `Signed in as ${who.name ? `${who.name} <${who.email}>` : who.email}`,
    `Subject: ${who.subject}`,
    `Groups: ${groups}`,
    `Allowed secrets: ${allowed.length > 0 ? allowed.join(", ") : "none (ask your platform team to add you to ACCESS_POLICY)"}`,
    ...(writable.length > 0 ? [`May write: ${writable.join(", ")}`] : []),
  ].join("\n");
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
      const rules = rulesFor(loadConfig(env).accessPolicy, caller);
      const scope = (action: Action) => {
        const granting = rules.filter((r) => r.actions.includes(action));
        return { paths: granting.flatMap((r) => r.paths ?? []), ids: granting.flatMap((r) => r.ids ?? []) };
      };
      const who: WhoamiOutput = { subject: caller.sub, email: caller.email, name: caller.name, groups: caller.groups, allowed: scope("read"), writable: scope("write") };
      return { content: [{ type: "text", text: describe(who) }], structuredContent: who };
    },
  );
}
