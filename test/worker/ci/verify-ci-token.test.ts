import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CiTrust } from "../../../src/ci/ci-trust";
import { verifyCiToken } from "../../../src/ci/verify-ci-token";
import { loadConfig } from "../../../src/config";
import { rejection } from "../secret-server/stand-in";
import { auditRowsAfter, ciRoute, lastAuditId } from "./ci-route";
import { ciIssuer, GITHUB_JOB, TEST_CI_AUDIENCE } from "./ci-issuer";

// Every check on a CI token, against real tokens from the local issuer over real HTTP. Each
// refusal is the one public CI_TOKEN_REJECTED; the detail (what the audit records) names the check.
const trust = loadConfig(env).ciTrust;
const github = ciIssuer("github");
const gitlab = ciIssuer("gitlab");
const now = () => Math.floor(Date.now() / 1000);

async function refusedFor(token: string, ciTrust: CiTrust = trust): Promise<string | undefined> {
  const err = await rejection(verifyCiToken(token, ciTrust));
  expect(err.code).toBe("CI_TOKEN_REJECTED");
  expect(err.status).toBe(401);
  return err.detail;
}

afterEach(() => vi.useRealTimers());

describe("accepts", () => {
  it("a GitHub Actions token with GitHub's claim set", async () => {
    const { trust: used, claims } = await verifyCiToken(await github.mint(), trust);
    expect(used.issuer).toBe(github.url);
    expect(claims).toMatchObject({ iss: github.url, aud: TEST_CI_AUDIENCE, repository_id: GITHUB_JOB.repositoryId, event_name: "push" });
  });

  it("a GitLab token with GitLab's claim set (numeric runner_id, an hour of life)", async () => {
    const { claims } = await verifyCiToken(await gitlab.mint({ profile: "gitlab" }), trust);
    expect(claims).toMatchObject({ iss: gitlab.url, project_id: "4242", runner_id: 1 });
  });

  it("an audience given as a one-element array", async () => {
    await expect(verifyCiToken(await github.mint({ claims: { aud: [TEST_CI_AUDIENCE] } }), trust)).resolves.toBeDefined();
  });
});

describe("refuses", () => {
  it("a token for another audience", async () => {
    expect(await refusedFor(await github.mint({ audience: "https://github.com/octo-org" }))).toBe("audience");
  });

  it("a token also meant for another audience", async () => {
    expect(await refusedFor(await github.mint({ claims: { aud: [TEST_CI_AUDIENCE, "https://other.example"] } }))).toBe("audience");
  });

  it("a token without an audience", async () => {
    expect(await refusedFor(await github.mint({ claims: { aud: null } }))).toBe("audience");
  });

  it("a token from an issuer CI_TRUST does not name, without fetching anything from it", async () => {
    const stranger = ciIssuer("untrusted");
    expect(await refusedFor(await stranger.mint())).toBe("untrusted_issuer");
    expect(await stranger.stats()).toEqual({ discovery: 0, jwks: 0 });
  });

  it("a token that claims a trusted issuer but was signed by another issuer", async () => {
    const forged = await gitlab.mint({ profile: "gitlab", claims: { iss: github.url } });
    expect(await refusedFor(forged)).toBe("unknown_key");
  });

  it("an issuer that differs from the trusted one only in a trailing slash", async () => {
    expect(await refusedFor(await github.mint({ claims: { iss: `${github.url}/` } }))).toBe("untrusted_issuer");
  });

  it("an expired token", async () => {
    expect(await refusedFor(await github.mint({ claims: { exp: now() - 120 } }))).toBe("expired");
  });

  it("a token not yet valid", async () => {
    expect(await refusedFor(await github.mint({ claims: { nbf: now() + 300 } }))).toBe("not_yet_valid");
  });

  it("a token older than the issuer's maximum age, though not expired", async () => {
    // GitLab's tokens live an hour; the test trust allows 15 minutes of age.
    expect(await refusedFor(await gitlab.mint({ profile: "gitlab", ageSeconds: 16 * 60 }))).toBe("too_old");
  });

  it("a token issued in the future", async () => {
    expect(await refusedFor(await gitlab.mint({ profile: "gitlab", ageSeconds: -300, claims: { nbf: now() - 10 } }))).toBe("issued_in_future");
  });

  it("a token with alg: none", async () => {
    expect(await refusedFor(await github.mint({ signing: "none" }))).toBe("algorithm");
  });

  it("an HMAC token keyed with the issuer's public key", async () => {
    expect(await refusedFor(await github.mint({ signing: "hmac" }))).toBe("algorithm");
  });

  it("a token whose kid the issuer's JWKS does not list", async () => {
    expect(await refusedFor(await github.mint({ signing: "unknown-kid" }))).toBe("unknown_key");
  });

  it("a valid signature by a key that is not in the JWKS, under a kid that is", async () => {
    expect(await refusedFor(await github.mint({ signing: "stranger" }))).toBe("signature");
  });

  it("a token without a jti (it could not be used once)", async () => {
    expect(await refusedFor(await github.mint({ claims: { jti: null } }))).toBe("claims");
  });

  it("a token without an exp", async () => {
    expect(await refusedFor(await github.mint({ claims: { exp: null } }))).toBe("claims");
  });

  it.each(["", "abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30"])("garbage (%j)", async (token) => {
    expect(await refusedFor(token)).toBe("malformed");
  });

  it("an RS256 token when the issuer is trusted for ES256 only", async () => {
    const es256Only = trust.map((t) => ({ ...t, algorithms: ["ES256" as const] }));
    expect(await refusedFor(await github.mint(), es256Only)).toBe("algorithm");
  });

  it("with one public answer whatever the reason, and the reason in the audit", async () => {
    const route = ciRoute("ci-verify");
    const secrets = [{ path: "Payments/stripe", field: "password", name: "STRIPE_KEY" }];
    const before = await lastAuditId();
    const bodies = new Set<string>();
    for (const signing of ["none", "hmac", "stranger"] as const) {
      const res = await route.redeem(await github.mint({ signing }), { secrets });
      expect(res.status).toBe(401);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      bodies.add(await res.text());
    }
    bodies.add(await (await route.redeem(await github.mint({ audience: "https://elsewhere.example" }), { secrets })).text());
    expect(bodies.size).toBe(1);
    expect((await auditRowsAfter(before)).map((r) => [r.event, r.outcome])).toEqual([
      ["deny", "token_algorithm"],
      ["deny", "token_algorithm"],
      ["deny", "token_signature"],
      ["deny", "token_audience"],
    ]);
  });
});

describe("issuer keys", () => {
  it("accepts a token signed with a new key after the issuer rotates, without a restart", async () => {
    const rotating = ciIssuer("rotating");
    await verifyCiToken(await rotating.mint(), trust);
    const fetched = (await rotating.stats()).jwks;
    await rotating.rotate();
    const token = await rotating.mint();
    // jose refetches the JWKS for an unknown kid at most once per 30 s cooldown: let it pass.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 31_000);
    const { claims } = await verifyCiToken(token, trust);
    expect(claims.iss).toBe(rotating.url);
    expect((await rotating.stats()).jwks).toBe(fetched + 1);
  });

  it("refetches the JWKS at most once per cooldown however many unknown kids arrive", async () => {
    await verifyCiToken(await github.mint(), trust);
    const before = (await github.stats()).jwks;
    for (let i = 0; i < 5; i += 1) await refusedFor(await github.mint({ signing: "unknown-kid" }));
    expect((await github.stats()).jwks - before).toBeLessThanOrEqual(1);
  });

  it("reports an issuer whose keys cannot be fetched as unavailable (502), not as a bad token", async () => {
    const outage = ciIssuer("outage");
    await outage.down(true);
    try {
      const err = await rejection(verifyCiToken(await outage.mint(), trust));
      expect(err.code).toBe("CI_ISSUER_UNAVAILABLE");
      expect(err.status).toBe(502);
    } finally {
      await outage.down(false);
    }
  });
});
