// The renderers run inside workerd (the MCP tool calls them there): web APIs only, same output.
import { describe, expect, it } from "vitest";
import { SHELLS, renderSnippet } from "../../../src/snippets";

const TICKET = `cct_${"0f".repeat(32)}_${"a".repeat(43)}`;

describe("renderSnippet inside workerd", () => {
  it.each(SHELLS)("renders a %s snippet that carries the ticket once", (shell) => {
    const { script, cleanup, variables } = renderSnippet({
      shell,
      ticket: TICKET,
      redeemUrl: "https://claimcheck.test/redeem",
      variableName: "API_KEY",
    });
    expect(script.split(TICKET)).toHaveLength(2);
    expect(cleanup).toContain("API_KEY");
    expect(variables).toEqual(["API_KEY"]);
  });

  it("refuses a reserved variable name with BAD_REQUEST", () => {
    expect(() =>
      renderSnippet({ shell: "bash", ticket: TICKET, redeemUrl: "https://claimcheck.test/redeem", variableName: "PROMPT_COMMAND" }),
    ).toThrowError(expect.objectContaining({ code: "BAD_REQUEST" }));
  });
});
