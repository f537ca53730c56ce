// The local stack's Worker settings: a local run (CLAIMCHECK_LOCAL), and Client ID Metadata
// Documents off unless the environment turns them on (the stack may have no internet at all).
import { describe, expect, it } from "vitest";
import { stackSettings } from "../../../dev/stack/stack-settings.ts";
import { workerVars } from "../../../dev/stack/worker-vars.ts";

const addresses = {
  publicUrl: "http://127.0.0.1:8787",
  oidc: { issuer: "http://127.0.0.1:8791", clientId: "claimcheck-local", clientSecret: "s" },
  secretServer: { url: "http://127.0.0.1:8790", username: "u", password: "p" },
};

describe("the local stack's Worker settings", () => {
  it("mark a local run and turn metadata documents off", () => {
    expect(workerVars(addresses)).toMatchObject({ CLAIMCHECK_LOCAL: "true", CLIENT_ID_METADATA_DOCUMENTS: "off" });
  });

  it("pass CLIENT_ID_METADATA_DOCUMENTS, CLIENT_ID_METADATA_ALLOWED and OIDC_EMAIL_VERIFIED_ASSUMED through when set", () => {
    const settings = stackSettings({
      CLIENT_ID_METADATA_DOCUMENTS: "on",
      CLIENT_ID_METADATA_ALLOWED: "https://claude.ai/oauth/",
      OIDC_EMAIL_VERIFIED_ASSUMED: "true",
    });
    expect(settings.extraWorkerVars).toMatchObject({
      CLIENT_ID_METADATA_DOCUMENTS: "on",
      CLIENT_ID_METADATA_ALLOWED: "https://claude.ai/oauth/",
      OIDC_EMAIL_VERIFIED_ASSUMED: "true",
    });
    expect(stackSettings({}).extraWorkerVars).not.toHaveProperty("CLIENT_ID_METADATA_DOCUMENTS");
  });
});
