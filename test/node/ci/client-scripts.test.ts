import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCiIssuer, type CiIssuerServer } from "../../fixtures/ci-issuer/ci-issuer.ts";
import { startCiRedeemStub, type CiRedeemStub } from "./ci-redeem-stub.ts";
import { ACTION_SCRIPT, expectMaskedFirstAndNeverShown, expectNeverShown, parseGithubFile, runScript, SH_SCRIPT } from "./ci-scripts.ts";

// The CI client scripts run for real (dash and bash) against a stand-in for /ci/redeem that
// answers with the Worker's own renderer. The end-to-end tests (test/e2e/ci) run them against the
// real Worker; these cover what the Worker would never send and every way a run can go wrong.
const VALUES: Record<string, string> = {
  "Payments/stripe:password": "sk_live_fake_4eC39HqLyjWDarjtT1zdp7dc",
  "db/tricky:password": "it's \"quoted\" $HOME `whoami` 100%s %n\\ back\nsecond line\tünïcødé 🔑 ${IFS};rm -rf /",
  "Certs/tls-bundle:certificate": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-fake\n-----END PRIVATE KEY-----\n",
  "odd/one:password": "-n 100%25 done\r\nwith a CR, %0A and \\c",
};
const SPECS = ["STRIPE_KEY=Payments/stripe:password", "TRICKY=db/tricky:password", "TLS_KEY=Certs/tls-bundle:certificate", "ODD=odd/one:password"];
const EXPECTED = {
  STRIPE_KEY: VALUES["Payments/stripe:password"]!,
  TRICKY: VALUES["db/tricky:password"]!,
  TLS_KEY: VALUES["Certs/tls-bundle:certificate"]!,
  ODD: VALUES["odd/one:password"]!,
};
const ALL_VALUES = Object.values(VALUES);
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJ0ZXN0In0.c2lnbmF0dXJlLW9mLWEtdGVzdC10b2tlbg";

let stub: CiRedeemStub;
let issuer: CiIssuerServer;
let work: string;

beforeAll(async () => {
  stub = await startCiRedeemStub(VALUES);
  issuer = await startCiIssuer();
});
afterAll(async () => {
  await stub.close();
  await issuer.close();
});
beforeEach(async () => {
  stub.mode = "normal";
  stub.requests.length = 0;
  work = await mkdtemp(join(tmpdir(), "claimcheck-ci-scripts-"));
  return () => rm(work, { recursive: true, force: true });
});

/** The environment of a run: a private HOME and TMPDIR, claimcheck's URL and the job's token. */
async function jobEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const home = join(work, "home");
  const tmp = join(work, "tmp");
  await Promise.all([mkdir(home, { recursive: true, mode: 0o700 }), mkdir(tmp, { recursive: true, mode: 0o700 })]);
  return { HOME: home, TMPDIR: tmp, CLAIMCHECK_URL: stub.url, CLAIMCHECK_ID_TOKEN: TOKEN, ...extra };
}

/** A command that writes each variable's bytes to $OUT/NAME: the values never reach its output. */
const DUMP = ["sh", "-c", 'for n in STRIPE_KEY TRICKY TLS_KEY ODD; do eval "printf %s \\"\\$$n\\"" > "$OUT/$n"; done'];

async function dumped(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(EXPECTED)) out[name] = await readFile(join(work, "out", name), "utf8");
  return out;
}

describe.each([["dash"], ["bash"]])("claimcheck-redeem.sh under %s", (shell) => {
  it("runs the command with every value in its environment, byte for byte, and prints none", async () => {
    await mkdir(join(work, "out"));
    const run = await runScript([shell, SH_SCRIPT, "-c", 'deploy "1.4"', ...SPECS, "--", ...DUMP], await jobEnv({ OUT: join(work, "out") }));
    expect(run.code, run.stderr).toBe(0);
    expect(await dumped()).toEqual(EXPECTED);
    expectNeverShown(run, ALL_VALUES);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({
      token: TOKEN,
      accept: "text/x-shellscript",
      body: { secrets: [{ path: "Payments/stripe", field: "password", name: "STRIPE_KEY" }, {}, {}, {}], comment: 'deploy "1.4"' },
    });
    expect(stub.argvLeaks).toEqual([]);
    expect(await readdir(join(work, "tmp"))).toEqual([]);
  });

  it("writes a mode-600 file that sets the exact values when sourced", async () => {
    const file = join(work, "secrets.sh");
    const run = await runScript([shell, SH_SCRIPT, "-o", file, ...SPECS], await jobEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toBe("");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await mkdir(join(work, "out"));
    const sourced = await runScript(["dash", "-c", `. "$1" && ${DUMP[2]}`, "sh", file], { OUT: join(work, "out") });
    expect(sourced.code, sourced.stderr).toBe(0);
    expect(await dumped()).toEqual(EXPECTED);
  });

  it("reports claimcheck's refusal, runs nothing and leaves nothing behind", async () => {
    stub.mode = "refuse";
    const run = await runScript([shell, SH_SCRIPT, ...SPECS, "--", "touch", join(work, "ran")], await jobEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("claimcheck refused (HTTP 403): You are not allowed to access this secret.");
    await expect(stat(join(work, "ran"))).rejects.toThrow();
    expect(await readdir(join(work, "tmp"))).toEqual([]);
  });

  it.each([["inject"], ["extra-variable"]] as const)("refuses to source an answer with %s in it", async (mode) => {
    stub.mode = mode;
    const env = await jobEnv();
    const run = await runScript([shell, SH_SCRIPT, ...SPECS, "--", "touch", join(work, "ran")], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("nothing was set");
    await expect(stat(join(work, "ran"))).rejects.toThrow();
    await expect(stat(join(env.HOME!, "claimcheck-pwned"))).rejects.toThrow();
    expectNeverShown(run, ALL_VALUES);
  });

  it.each([
    ["no URL", [...SPECS, "--", "true"], { CLAIMCHECK_URL: "" }],
    ["no token", [...SPECS, "--", "true"], { CLAIMCHECK_ID_TOKEN: "" }],
    ["plain http to another machine", [...SPECS, "--", "true"], { CLAIMCHECK_URL: "http://claimcheck.example.com" }],
    ["a bad variable name", ["1BAD=Payments/stripe:password", "--", "true"], {}],
    ["bash's $_ as a name", ["_=Payments/stripe:password", "--", "true"], {}],
    ["a bad field", ["A=Payments/stripe:Pass word", "--", "true"], {}],
    ["no field", ["A=Payments/stripe", "--", "true"], {}],
    ["a name given twice", ["A=Payments/stripe:password", "A=db/tricky:password", "--", "true"], {}],
    ["neither a command nor -o", SPECS, {}],
    ["no secret", ["--", "true"], {}],
  ])("stops with a usage error on %s, before asking claimcheck", async (_what, args, extra) => {
    const run = await runScript([shell, SH_SCRIPT, ...args], await jobEnv(extra));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^claimcheck: |Usage:/m);
    expect(stub.requests).toHaveLength(0);
  });
});

describe("the GitHub Action's script", () => {
  async function actionEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const githubEnv = join(work, "github_env");
    const githubOutput = join(work, "github_output");
    await writeFile(githubEnv, "");
    await writeFile(githubOutput, "");
    const { CLAIMCHECK_ID_TOKEN: _none, ...env } = await jobEnv();
    return {
      ...env,
      CLAIMCHECK_AUDIENCE: "https://claimcheck.example.com",
      CLAIMCHECK_SECRETS: `# what the deploy needs\n${SPECS.join("\n")}\n\n`,
      GITHUB_ENV: githubEnv,
      GITHUB_OUTPUT: githubOutput,
      // GitHub's real URL already has a query (api-version): the audience is appended to it.
      ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer.issuerUrl("github")}/_actions/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.actionsRequestToken,
      ...extra,
    };
  }

  it("masks every value before anything else is printed, then exports each to GITHUB_ENV byte for byte", async () => {
    const env = await actionEnv();
    const run = await runScript(["bash", ACTION_SCRIPT], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expectMaskedFirstAndNeverShown(run, ALL_VALUES);
    expect(parseGithubFile(await readFile(env.GITHUB_ENV!, "utf8"))).toEqual(EXPECTED);
    expect(await readFile(env.GITHUB_OUTPUT!, "utf8")).toBe("");
    expect(run.stdout).toContain("claimcheck: set STRIPE_KEY TRICKY TLS_KEY ODD");
    expect(stub.argvLeaks).toEqual([]);
  });

  it("asks the runner for a token with claimcheck's audience, masks it, and redeems with it", async () => {
    const run = await runScript(["bash", ACTION_SCRIPT], await actionEnv());
    const { token } = stub.requests[0]!;
    expect(decodeJwt(token)).toMatchObject({ aud: "https://claimcheck.example.com", iss: issuer.issuerUrl("github") });
    expect(run.stdout.split("\n")[0]).toBe(`::add-mask::${token}`);
  });

  it("writes step outputs instead when asked", async () => {
    const env = await actionEnv({ CLAIMCHECK_EXPORT_TO: "outputs" });
    const run = await runScript(["bash", ACTION_SCRIPT], env);
    expect(run.code, run.stdout).toBe(0);
    expect(parseGithubFile(await readFile(env.GITHUB_OUTPUT!, "utf8"))).toEqual(EXPECTED);
    expect(await readFile(env.GITHUB_ENV!, "utf8")).toBe("");
  });

  it("exports nothing when claimcheck refuses, and says so as a workflow error", async () => {
    stub.mode = "refuse";
    const env = await actionEnv();
    const run = await runScript(["bash", ACTION_SCRIPT], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::error title=claimcheck::redemption failed; no secret was set");
    expect(await readFile(env.GITHUB_ENV!, "utf8")).toBe("");
  });

  it.each(["GITHUB_PATH", "RUNNER_TEMP", "NODE_OPTIONS"])("refuses to set %s", async (name) => {
    const env = await actionEnv({ CLAIMCHECK_SECRETS: `${name}=Payments/stripe:password` });
    const run = await runScript(["bash", ACTION_SCRIPT], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`reserved variable name: ${name}`);
    expect(stub.requests).toHaveLength(0);
  });

  it("explains a job without id-token permission", async () => {
    const run = await runScript(["bash", ACTION_SCRIPT], await actionEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: "" }));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("permissions: id-token: write");
  });
});
