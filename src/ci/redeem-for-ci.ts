// CI redemption: a runner's own OpenID Connect token, checked against CI_TRUST, releases the
// secrets its job is allowed, all or nothing. Guards first, in this order:
//   verify the token → use its `jti` once → match the rules → check every asked path
//   → locate each secret → check its real path → read every value → render → audit → release.
// The token is used up as soon as it is verified, before any network wait: a failure later on
// costs the job this token (it asks its issuer for a new one), never a second use of it.
import { recordAudit } from "../audit/audit-log";
import { sha256Hex } from "../digest";
import { ClaimcheckError, type ErrorCode } from "../errors";
import type { ReadContext, SecretReader } from "../secret-server";
import type { RequestContext } from "../tickets/mint-ticket";
import { renderAnswer, type AnswerFormat } from "./ci-answer";
import { describeCiJob, refusalRows, secretRow, type CiAuditSubject } from "./ci-audit";
import type { CiRule, CiTrust } from "./ci-trust";
import { pathAllowed, rulesMatching, untrustedTrigger } from "./claim-rules";
import { readValue, secretLocator, type Located } from "./fetch-secrets";
import type { CiRedeemRequest, SecretWanted } from "./redeem-request";
import { CLOCK_TOLERANCE_SECONDS, rejected, verifyCiToken, type VerifiedCiToken } from "./verify-ci-token";

/** As for tickets: a 12-hex prefix of SHA-256(jti) names the token in audits, revealing nothing. */
const TOKEN_ID_HEX_CHARS = 12;
/** How long past its last valid moment a used token stays remembered: covers clock drift. */
const REPLAY_MARGIN_MS = 60_000;
/** Failures of Secret Server itself, as opposed to refusals of this request. */
const UPSTREAM_CODES = new Set<ErrorCode>(["UPSTREAM_UNAVAILABLE", "UPSTREAM_BAD_RESPONSE", "RATE_LIMITED"]);

export type CiRedeemDeps = { trust: CiTrust; source: SecretReader };
export type CiAnswer = ReturnType<typeof renderAnswer>;

async function verifyOrAudit(env: Env, trust: CiTrust, token: string, context: RequestContext): Promise<VerifiedCiToken> {
  try {
    return await verifyCiToken(token, trust);
  } catch (err) {
    const known = err instanceof ClaimcheckError ? err : undefined;
    const reason = known?.detail ?? "internal";
    const event = known?.code === "CI_TOKEN_REJECTED" ? "deny" : "upstream_error";
    const outcome = known?.code === "CI_TOKEN_REJECTED" ? `token_${reason}` : (known?.code ?? "internal");
    await recordAudit(env.DB, { event, outcome, ...context, detail: { reason } });
    throw err;
  }
}

/** The token's last valid moment (expiry or maximum age, plus leeway), and a margin. */
function forgetAt({ claims, trust }: VerifiedCiToken): number {
  const lastValidSeconds = Math.min(claims.exp, claims.iat + trust.maxTokenAgeSeconds) + CLOCK_TOLERANCE_SECONDS;
  return lastValidSeconds * 1000 + REPLAY_MARGIN_MS;
}

function useToken(env: Env, verified: VerifiedCiToken, jtiHash: string): Promise<boolean> {
  const store = env.JTI_REPLAY.get(env.JTI_REPLAY.idFromName(verified.trust.issuer));
  return store.use(jtiHash, forgetAt(verified));
}

type Gathering = {
  source: SecretReader;
  rules: readonly CiRule[];
  request: CiRedeemRequest;
  format: AnswerFormat;
  about: CiAuditSubject;
  reading: ReadContext;
};

/** Locates, reads and renders every value; on any failure audits the request and releases nothing. */
async function gather(env: Env, g: Gathering): Promise<{ located: Located[]; answer: CiAnswer }> {
  let current: SecretWanted | undefined;
  try {
    const locate = secretLocator(g.source);
    const located: Located[] = [];
    for (current of g.request.secrets) located.push(await locate(current));
    // The asked path passed already; the path Secret Server resolved it to must pass too.
    current = located.find((l) => !pathAllowed(g.rules, l.location));
    if (current) throw new ClaimcheckError("FORBIDDEN", { detail: "resolved path not allowed" });
    const values: Record<string, string> = {};
    for (const l of located) {
      current = l;
      values[l.name] = await readValue(g.source, l, g.reading);
    }
    current = undefined;
    return { located, answer: renderAnswer(g.format, values) };
  } catch (err) {
    const code = err instanceof ClaimcheckError ? err.code : undefined;
    const event = code && !UPSTREAM_CODES.has(code) ? "deny" : "upstream_error";
    await recordAudit(env.DB, refusalRows(g.about, g.request.secrets, current ? [current] : g.request.secrets, event, code ?? "internal"));
    throw err;
  }
}

export async function redeemForCi(
  env: Env,
  deps: CiRedeemDeps,
  token: string,
  request: CiRedeemRequest,
  format: AnswerFormat,
  context: RequestContext = {},
): Promise<CiAnswer> {
  const verified = await verifyOrAudit(env, deps.trust, token, context);
  const jtiHash = await sha256Hex(verified.claims.jti);
  const tokenId = jtiHash.slice(0, TOKEN_ID_HEX_CHARS);
  const about = describeCiJob(verified.claims, tokenId, context);
  // A second use of a CI token means it was copied out of its job: recorded as a replay.
  if (!(await useToken(env, verified, jtiHash))) {
    await recordAudit(env.DB, { event: "replay", outcome: "used", ...about });
    throw rejected("replayed");
  }

  const rules = rulesMatching(verified.trust, verified.claims);
  const refused = rules.length === 0 ? request.secrets : request.secrets.filter((w) => !pathAllowed(rules, w.path));
  if (refused.length > 0) {
    const why = rules.length > 0 ? "path_not_allowed" : untrustedTrigger(verified.claims) ? "untrusted_trigger" : "no_rule";
    await recordAudit(env.DB, refusalRows(about, request.secrets, refused, "deny", why));
    throw new ClaimcheckError("FORBIDDEN", { detail: why });
  }

  // Secret Server's own audit then names the job's subject and this token's id.
  const reading = { requestedBy: `CI ${verified.claims.sub}`, ticketId: tokenId, comment: request.comment };
  const { located, answer } = await gather(env, { source: deps.source, rules, request, format, about, reading });
  // Audited before the values leave: a redemption that cannot be audited does not happen.
  await recordAudit(env.DB, located.map((l) => secretRow(about, l, "redeem", "ok")));
  return answer;
}
