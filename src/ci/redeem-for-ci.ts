// CI redemption: a runner's own OpenID Connect token, checked against CI_TRUST, releases the
// secrets its job is allowed, all or nothing. Guards first, in this order:
//   verify the token → use its `jti` once → match the rules → check every asked path
//   → locate each secret → check its real path → read every value → audit → release.
// The token is used up as soon as it is verified, before any network wait: a failure later on
// costs the job this token (it asks its issuer for a new one), never a second use of it.
import { recordAudit, type AuditEvent } from "../audit/audit-log";
import { sha256Hex } from "../digest";
import { ClaimcheckError, type ErrorCode } from "../errors";
import { normalizeSecretPath } from "../policy/access-policy";
import type { SecretInfo, SecretReader } from "../secret-server";
import type { RequestContext } from "../tickets/mint-ticket";
import { renderAnswer, type AnswerFormat } from "./ci-answer";
import { describeCiJob, type CiAuditSubject } from "./ci-audit";
import type { CiTrust, CiRule } from "./ci-trust";
import { pathAllowed, rulesMatching, untrustedTrigger } from "./claim-rules";
import type { CiRedeemRequest, SecretWanted } from "./redeem-request";
import { CLOCK_TOLERANCE_SECONDS, rejected, verifyCiToken, type VerifiedCiToken } from "./verify-ci-token";

/** As a ticket id: a 12-hex prefix of SHA-256(jti) names the token in audits without a lookup table. */
const TOKEN_ID_HEX_CHARS = 12;
/** How long past its last valid moment a used token stays remembered: covers clock drift. */
const REPLAY_MARGIN_MS = 60_000;
/** Failures of Secret Server itself, as opposed to refusals of this request. */
const UPSTREAM_CODES = new Set<ErrorCode>(["UPSTREAM_UNAVAILABLE", "UPSTREAM_BAD_RESPONSE", "RATE_LIMITED"]);

export type CiRedeemDeps = { trust: CiTrust; source: SecretReader };

type Located = SecretWanted & { secret: SecretInfo; location: string };

async function verifyOrAudit(env: Env, trust: CiTrust, token: string, context: RequestContext): Promise<VerifiedCiToken> {
  try {
    return await verifyCiToken(token, trust);
  } catch (err) {
    const known = err instanceof ClaimcheckError ? err : undefined;
    const event = known?.code === "CI_TOKEN_REJECTED" ? { event: "deny" as const, outcome: `token_${known.detail}` } : { event: "upstream_error" as const, outcome: known?.code ?? "internal" };
    await recordAudit(env.DB, { ...event, ...context, detail: { reason: known?.detail ?? "internal" } });
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

function rowFor(wanted: SecretWanted, about: CiAuditSubject, event: AuditEvent["event"], outcome: string, secret?: Located): AuditEvent {
  return {
    event,
    outcome,
    ...about,
    secretId: secret?.secret.id,
    secretPath: secret?.location ?? normalizeSecretPath(wanted.path),
    field: wanted.field,
    detail: { ...about.detail, variable: wanted.name },
  };
}

/** Audits every asked secret of a refused request: the culprits with the reason, the rest as withheld. */
function refusalRows(wanted: readonly SecretWanted[], culprits: readonly SecretWanted[], event: AuditEvent["event"], outcome: string, about: CiAuditSubject): AuditEvent[] {
  return wanted.map((w) => (culprits.includes(w) ? rowFor(w, about, event, outcome) : rowFor(w, about, "deny", "withheld")));
}

/** Each distinct path is looked up once; Secret Server compares paths case-insensitively. */
async function locate(source: SecretReader, wanted: readonly SecretWanted[], onStep: (w: SecretWanted) => void): Promise<Located[]> {
  const found = new Map<string, SecretInfo>();
  const located: Located[] = [];
  for (const w of wanted) {
    onStep(w);
    const key = normalizeSecretPath(w.path).toLowerCase();
    const secret = found.get(key) ?? (await source.getSecret({ path: w.path }));
    found.set(key, secret);
    located.push({ ...w, secret, location: normalizeSecretPath(`${secret.folderPath}\\${secret.name}`) });
  }
  return located;
}

type ReadReason = { requestedBy: string; ticketId: string; comment: string | undefined };

async function readValues(source: SecretReader, located: readonly Located[], reason: ReadReason, onStep: (w: SecretWanted) => void): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const l of located) {
    onStep(l);
    const { requiresComment, checkOutEnabled } = l.secret;
    const value = await source.readField({ id: l.secret.id }, l.field, { ...reason, known: { requiresComment, checkOutEnabled } });
    // No environment variable can hold a NUL; a shell would drop it silently and set another value.
    if (value.includes("\0")) throw new ClaimcheckError("VALUE_UNSUPPORTED", { detail: `field ${l.field} contains NUL` });
    values[l.name] = value;
  }
  return values;
}

type Answer = ReturnType<typeof renderAnswer>;

/** Locates, reads and renders every value; on any failure audits the request and releases nothing. */
async function gather(env: Env, source: SecretReader, rules: readonly CiRule[], request: CiRedeemRequest, format: AnswerFormat, about: CiAuditSubject, reason: ReadReason): Promise<{ located: Located[]; answer: Answer }> {
  let current: SecretWanted | undefined;
  const onStep = (w: SecretWanted) => (current = w);
  try {
    const located = await locate(source, request.secrets, onStep);
    // The asked path passed already; the path Secret Server resolved it to must pass too.
    const outside = located.find((l) => !pathAllowed(rules, l.location));
    if (outside) {
      current = outside;
      throw new ClaimcheckError("FORBIDDEN", { detail: "resolved path not allowed" });
    }
    const values = await readValues(source, located, reason, onStep);
    current = undefined;
    return { located, answer: renderAnswer(format, values) };
  } catch (err) {
    const code = err instanceof ClaimcheckError ? err.code : undefined;
    const event = code && !UPSTREAM_CODES.has(code) ? "deny" : "upstream_error";
    const culprits = current ? [current] : request.secrets;
    await recordAudit(env.DB, refusalRows(request.secrets, culprits, event, code ?? "internal", about));
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
): Promise<Answer> {
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
    await recordAudit(env.DB, refusalRows(request.secrets, refused, "deny", why, about));
    throw new ClaimcheckError("FORBIDDEN", { detail: why });
  }

  // Secret Server's own audit then names the job's subject and this token's id.
  const reason = { requestedBy: `CI ${verified.claims.sub}`, ticketId: tokenId, comment: request.comment };
  const { located, answer } = await gather(env, deps.source, rules, request, format, about, reason);
  // Audited before the values leave: a redemption that cannot be audited does not happen.
  await recordAudit(env.DB, located.map((l) => rowFor(l, about, "redeem", "ok", l)));
  return answer;
}
