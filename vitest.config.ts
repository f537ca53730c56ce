import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { startAlertReceiver } from "./dev/alert-receiver/server.ts";
import { defineConfig } from "vitest/config";
import { startSecretServer } from "./dev/secret-server/server.ts";
import { startCiIssuer } from "./test/fixtures/ci-issuer/ci-issuer.ts";
import { testCiTrust } from "./test/fixtures/ci-issuer/test-trust.ts";
import { startTestIdp } from "./test/fixtures/idp/test-idp.ts";

// Three projects: code inside workerd (real Durable Objects, alarms, D1), plain Node tests
// (shell snippets run in real shells, the local stand-ins), and end-to-end tests that start
// real processes on 127.0.0.1.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  // The Secret Server stand-in that workerd tests talk to (they reset it and inject faults through
  // its /_stand-in/ routes). It is unref'd, so it never keeps vitest alive.
  const secretServer = await startSecretServer({ port: 0 });
  // The OpenID provider the sign-in tests drive (test/fixtures/idp); unref'd the same way.
  const oidc = { clientId: "claimcheck", clientSecret: "oidc-client-secret", redirectUri: "https://claimcheck.test/callback" };
  const idp = await startTestIdp(oidc);
  // The CI token issuers the /ci/redeem tests trust (test/fixtures/ci-issuer); unref'd the same way.
  const ciIssuer = await startCiIssuer();
  // The webhook that alerts go to (dev/alert-receiver); tests read what it got and make it misbehave
  // through its /_receiver/ routes. Unref'd the same way.
  const alertSecret = "test-alert-webhook-secret";
  const alertReceiver = await startAlertReceiver({ secret: alertSecret });
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  PUBLIC_URL: "https://claimcheck.test",
                  SECRET_SERVER_URL: secretServer.url,
                  SECRET_SERVER_USERNAME: "claimcheck-app",
                  SECRET_SERVER_PASSWORD: "app-account-password",
                  OIDC_ISSUER: idp.issuer,
                  OIDC_CLIENT_ID: oidc.clientId,
                  OIDC_CLIENT_SECRET: oidc.clientSecret,
                  CI_TRUST: JSON.stringify(testCiTrust(ciIssuer.issuerUrl)),
                  TEST_CI_ISSUER: ciIssuer.url,
                  // The audit pages: a group, an email and a subject (the test IdP can sign anyone in with any groups).
                  AUDIT_VIEWERS: JSON.stringify({ groups: ["security"], emails: ["auditor@corp.example"], subjects: ["viewer-subject-1"] }),
                  ALERT_WEBHOOK_URL: alertReceiver.url,
                  ALERT_WEBHOOK_SECRET: alertSecret,
                  TEST_ALERT_RECEIVER: alertReceiver.origin,
                  ACCESS_POLICY: JSON.stringify([
                    { groups: ["db-admins"], paths: ["db/**"] },
                    { emails: ["dev@corp.example"], paths: ["db/**", "Payments/**"] },
                    // Approval: dev confirms Certs/** themselves; Ops/** needs someone else.
                    { emails: ["dev@corp.example"], paths: ["Certs/**"], approval: "self" },
                    { emails: ["dev@corp.example"], paths: ["Ops/**"], approval: { emails: ["approver@corp.example"] } },
                    // Writes: dev may create and set secrets under Payments/agents; reading them needs its own rule.
                    { emails: ["dev@corp.example"], paths: ["Payments/agents/**"], actions: ["write"] },
                  ]),
                },
              },
            }),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts"],
            setupFiles: ["./test/worker/apply-migrations.ts"],
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/node/**/*.test.ts"],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            fileParallelism: false,
            testTimeout: 60_000,
            hookTimeout: 90_000,
          },
        },
      ],
    },
  };
});
