// Settings that were never filled in. The Deploy to Cloudflare button offers every uncommented line
// of .dev.vars.example as a secret, prefilled with the example's value, so those values are
// placeholders the Worker refuses (`change-me`, `https://change-me.example`): a deployment that kept
// one fails closed, naming it, instead of running with it. A loopback PUBLIC_URL is refused the same
// way on a deployed Worker: a local run says it is one with CLAIMCHECK_LOCAL=true (the local stack
// and the tests set it; a deployment never does), since nothing at runtime tells the two apart
// reliably. Names only, never a value: some are secrets.

/** `change-me`, `CHANGE_ME`, `changeme`, `https://change-me.example/...`. */
const PLACEHOLDER = /change[-_ ]?me/i;

/** Hosts that can only be this machine. */
function isLoopbackHost(hostname: string): boolean {
  return /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === "[::1]" || hostname === "0.0.0.0" || hostname === "localhost" || hostname.endsWith(".localhost");
}

/**
 * What is unfinished among `names` in `env`, one problem per setting, for CONFIG_INVALID. `local`
 * is CLAIMCHECK_LOCAL; `publicUrl` the parsed PUBLIC_URL origin.
 */
export function unfinishedSettings(env: Record<string, unknown>, names: readonly string[], local: boolean, publicUrl: string): string[] {
  const problems = names
    .filter((name) => typeof env[name] === "string" && PLACEHOLDER.test(env[name]))
    .map((name) => `${name}: still holds a placeholder (as in .dev.vars.example); set the real value`);
  if (!local && isLoopbackHost(new URL(publicUrl).hostname)) {
    problems.unshift("PUBLIC_URL: is a loopback address on a deployed Worker; set the Worker's public https origin (CLAIMCHECK_LOCAL=true is only for runs on this machine)");
  }
  return problems;
}
