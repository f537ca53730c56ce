import { describe, expect, it } from "vitest";
import { auditComment } from "../../../src/secret-server/audit-comment";

describe("the comment left in Secret Server's audit", () => {
  it("names the human, the OAuth client and the ticket id, on one line", () => {
    expect(auditComment({ requestedBy: "alice@example.com", clientId: "https://claude.ai/oauth/claude-code-client-metadata", ticketId: "0a1b2c3d4e5f", comment: "rotate\nkeys" })).toBe(
      "claimcheck for alice@example.com via https://claude.ai/oauth/claude-code-client-metadata, ticket 0a1b2c3d4e5f: rotate keys",
    );
  });

  it("leaves the client out when there is none (a CI job)", () => {
    expect(auditComment({ requestedBy: "CI repo:org/app", ticketId: "jti-1" })).toBe("claimcheck for CI repo:org/app, ticket jti-1");
  });
});
