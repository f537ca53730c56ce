// The Deploy to Cloudflare button offers every uncommented line of .dev.vars.example as a secret,
// prefilled with the example's value. A deployment that keeps any of them must not run: each one is
// refused with CONFIG_INVALID naming it, and nothing else in the file passes as a real setting.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { ClaimcheckError } from "../../../src/errors.ts";

/** The settings the Deploy button would prefill: every `NAME=value` line that is not a comment. */
function deployFormDefaults(): Record<string, string> {
  const lines = readFileSync(new URL("../../../.dev.vars.example", import.meta.url), "utf8").split("\n");
  return Object.fromEntries(lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

function configError(settings: Record<string, string>): ClaimcheckError {
  try {
    loadConfig(settings);
  } catch (err) {
    if (err instanceof ClaimcheckError) return err;
    throw err;
  }
  throw new Error("the settings were accepted");
}

describe(".dev.vars.example as documentation", () => {
  it("names every setting of README's configuration table (commented out where optional)", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Policy"));
    const settings = [...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!);
    const example = readFileSync(new URL("../../../.dev.vars.example", import.meta.url), "utf8");
    expect(settings.length).toBeGreaterThan(20);
    expect(settings.filter((name) => !new RegExp(`^(# )?${name}=`, "m").test(example))).toEqual([]);
  });
});

describe(".dev.vars.example as the Deploy button's form", () => {
  it("offers the required settings, and nothing that could name a real person or system", () => {
    expect(Object.keys(deployFormDefaults()).sort()).toEqual(
      ["ACCESS_POLICY", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ISSUER", "PUBLIC_URL", "SECRET_SERVER_PASSWORD", "SECRET_SERVER_URL", "SECRET_SERVER_USERNAME"].sort(),
    );
    expect(deployFormDefaults().ACCESS_POLICY).toBe("[]");
    expect(deployFormDefaults()).not.toHaveProperty("CLAIMCHECK_LOCAL");
  });

  it("is refused as it stands, naming every placeholder", () => {
    const err = configError(deployFormDefaults());
    expect(err.code).toBe("CONFIG_INVALID");
    for (const name of ["PUBLIC_URL", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "SECRET_SERVER_URL", "SECRET_SERVER_USERNAME", "SECRET_SERVER_PASSWORD"]) {
      expect(err.message).toContain(`${name}: still holds a placeholder`);
    }
  });

  it("is refused while any one placeholder is left", () => {
    const filled = {
      ...deployFormDefaults(),
      PUBLIC_URL: "https://claimcheck.corp.example",
      OIDC_ISSUER: "https://login.corp.example",
      OIDC_CLIENT_ID: "claimcheck",
      OIDC_CLIENT_SECRET: "s3cr3t-from-the-idp",
      SECRET_SERVER_URL: "https://ss.corp.example/SecretServer",
      SECRET_SERVER_USERNAME: "claimcheck-app",
      SECRET_SERVER_PASSWORD: "an-application-password",
    };
    expect(loadConfig(filled).publicUrl).toBe("https://claimcheck.corp.example");
    const err = configError({ ...filled, SECRET_SERVER_PASSWORD: "change-me" });
    expect(err.message).toBe("claimcheck is misconfigured: SECRET_SERVER_PASSWORD: still holds a placeholder (as in .dev.vars.example); set the real value.");
  });
});
