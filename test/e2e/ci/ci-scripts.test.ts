import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSecretServer, type RunningSecretServer } from "../../../dev/secret-server/server.ts";
import { findFreePort } from "../../../dev/stack/ports.ts";
import { workerVars } from "../../../dev/stack/worker-vars.ts";
import { startWranglerDev, type WranglerDev } from "../../../dev/stack/wrangler-dev.ts";
import { startCiIssuer, type CiIssuerServer } from "../../fixtures/ci-issuer/ci-issuer.ts";
import { GITHUB_JOB, GITLAB_JOB } from "../../fixtures/ci-issuer/jobs.ts";
import { ACTION_SCRIPT, expectMaskedFirstAndNeverShown, expectNeverShown, parseGithubFile, runScript, SH_SCRIPT } from "../../node/ci/ci-scripts.ts";
import { readAuditRows, settledAuditRows } from "../support/audit-rows.ts";

// The CI client scripts for real against the local stack: the Worker under `wrangler dev` with
// CI_TRUST naming the local CI issuer, the Secret Server stand-in, and the issuer playing GitHub's
// runner token service and GitLab's id_tokens. GITHUB_ENV is a temporary file read the way the
// runner reads it.
let secretServer: RunningSecretServer;
let issuer: CiIssuerServer;
let worker: WranglerDev;
let work: string;
let publicUrl: string;

type SeedSnapshot = { secrets: { name: string; items: { slug: string; itemValue: string }[] }[] };
let seedValue: (secret: string, slug: string) => string;

beforeAll(async () => {
  secretServer = await startSecretServer({ port: 0 });
  issuer = await startCiIssuer();
  const port = await findFreePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const paths = ["Payments/*", "db/tricky", "Certs/**"];
  const ciTrust = [
    { issuer: issuer.issuerUrl("github"), audience: publicUrl, rules: [{ claims: { repository_id: GITHUB_JOB.repositoryId, ref: "refs/heads/main" }, paths }] },
    { issuer: issuer.issuerUrl("gitlab"), audience: publicUrl, rules: [{ claims: { project_id: GITLAB_JOB.projectId, ref_protected: "true" }, paths }] },
  ];
  worker = await startWranglerDev({
    port,
    vars: {
      ...workerVars({
        publicUrl,
        // Nothing here signs anyone in: the OpenID provider is never reached by these tests.
        oidc: { issuer: "http://127.0.0.1:9", clientId: "ci-e2e", clientSecret: "ci-e2e-client-secret" },
        secretServer: { url: secretServer.url, username: "claimcheck-app", password: "app-account-password" },
      }),
      CI_TRUST: JSON.stringify(ciTrust),
    },
  });
  const seed = (await (await fetch(`${secretServer.url}/_stand-in/seed`)).json()) as SeedSnapshot;
  seedValue = (secret, slug) => seed.secrets.find((s) => s.name === secret)!.items.find((i) => i.slug === slug)!.itemValue;
  work = await mkdtemp(join(tmpdir(), "claimcheck-ci-e2e-"));
});

afterAll(async () => {
  await worker?.close();
  await issuer?.close();
  await secretServer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const SPECS = ["STRIPE_KEY=Payments/stripe:password", "TRICKY=db/tricky:password", "TLS_KEY=Certs/tls-bundle:certificate"];

function expected(): Record<string, string> {
  return {
    STRIPE_KEY: seedValue("stripe", "password"),
    TRICKY: seedValue("tricky", "password"),
    TLS_KEY: seedValue("tls-bundle", "certificate"),
  };
}

it("serves /ci/redeem (src/index.ts mounts ciRoutes)", async () => {
  const res = await fetch(`${worker.url}/ci/redeem`, { method: "POST" });
  expect(res.status, "POST /ci/redeem is not routed: add ciRoutes to src/index.ts (see ci/README.md)").toBe(401);
});

describe("the GitHub Action's script", () => {
  it("gets the job's token, masks every value first, and exports each to GITHUB_ENV byte for byte", async () => {
    const githubEnv = join(work, "github_env");
    await writeFile(githubEnv, "");
    const run = await runScript(["bash", ACTION_SCRIPT], {
      HOME: work,
      TMPDIR: work,
      CLAIMCHECK_URL: worker.url,
      CLAIMCHECK_SECRETS: SPECS.join("\n"),
      GITHUB_ENV: githubEnv,
      GITHUB_OUTPUT: join(work, "github_output"),
      ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer.issuerUrl("github")}/_actions/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.actionsRequestToken,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const values = expected();
    expectMaskedFirstAndNeverShown(run, Object.values(values));
    expect(parseGithubFile(await readFile(githubEnv, "utf8"))).toEqual(values);
    expectNeverShown({ code: 0, stdout: worker.logs(), stderr: "" }, Object.values(values));

    const rows = (await settledAuditRows(worker.persistTo)).filter((r) => r.client_id === issuer.issuerUrl("github"));
    expect(rows.map((r) => [r.event, r.outcome, r.secret_path])).toEqual([
      ["redeem", "ok", "Payments/stripe"],
      ["redeem", "ok", "db/tricky"],
      ["redeem", "ok", "Certs/tls-bundle"],
    ]);
    expect(rows[0]!.subject).toBe(`repo:${GITHUB_JOB.repository}:ref:refs/heads/main`);
    expect(JSON.parse(rows[0]!.detail!)).toMatchObject({ repository: GITHUB_JOB.repository, ref: "refs/heads/main", run_id: "8912345678" });
  });
});

describe("claimcheck-redeem.sh", () => {
  it("redeems a GitLab id_token into a command's environment byte for byte, once", async () => {
    const out = join(work, "out");
    await mkdir(out);
    const token = await issuer.mint("gitlab", { profile: "gitlab", audience: publicUrl });
    const env = { HOME: work, TMPDIR: work, CLAIMCHECK_URL: worker.url, CLAIMCHECK_ID_TOKEN: token, OUT: out };
    const dump = ["sh", "-c", 'for n in STRIPE_KEY TRICKY TLS_KEY; do eval "printf %s \\"\\$$n\\"" > "$OUT/$n"; done'];
    const run = await runScript(["dash", SH_SCRIPT, ...SPECS, "--", ...dump], env);
    expect(run.code, run.stderr).toBe(0);
    const values = expected();
    for (const [name, value] of Object.entries(values)) expect(await readFile(join(out, name), "utf8")).toBe(value);
    expectNeverShown(run, Object.values(values));

    const again = await runScript(["dash", SH_SCRIPT, ...SPECS, "--", "true"], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("claimcheck refused (HTTP 401)");
    const replays = (await readAuditRows(worker.persistTo)).filter((r) => r.event === "replay");
    expect(replays.map((r) => [r.client_id, r.subject])).toEqual([[issuer.issuerUrl("gitlab"), `project_path:${GITLAB_JOB.projectPath}:ref_type:branch:ref:main`]]);
  });
});
