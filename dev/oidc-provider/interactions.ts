// The provider's own pages between /authorize and the redirect back: the sign-in form, and a
// consent that is granted without asking (the Worker shows its own consent page; a second one here
// would only teach people to click through).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Interaction, Provider } from "oidc-provider";
import { z } from "zod";
import type { UserDirectory } from "./demo-users.ts";
import { renderErrorPage, renderLoginPage, sendPage } from "./pages.ts";

export const INTERACTION_PATH = "/interaction/";
const MAX_FORM_BYTES = 8 * 1024;
const WRONG_CREDENTIALS = "Wrong email or password.";

const LoginForm = z.object({ username: z.string().max(320), password: z.string().max(1024) });

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function grantEverythingAsked(provider: Provider, interaction: Interaction): Promise<string> {
  const { details } = interaction.prompt;
  const accountId = interaction.session?.accountId;
  if (accountId === undefined) throw new Error("consent prompt without a signed-in session");
  const existing = interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId);
  const grant = existing ?? new provider.Grant({ accountId, clientId: interaction.params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(" "));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(" "));
  }
  return grant.save();
}

async function showInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const interaction = await provider.interactionDetails(req, res);
  if (interaction.prompt.name === "login") {
    const action = `${INTERACTION_PATH}${interaction.uid}/login`;
    sendPage(res, 200, await renderLoginPage({ action, clientId: interaction.params.client_id }));
    return;
  }
  const grantId = await grantEverythingAsked(provider, interaction);
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function submitLogin(
  provider: Provider,
  users: UserDirectory,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const interaction = await provider.interactionDetails(req, res);
  const form = LoginForm.safeParse(Object.fromEntries((await readForm(req)) ?? []));
  const user = form.success ? users.authenticate(form.data.username, form.data.password) : undefined;
  if (interaction.prompt.name !== "login" || user === undefined) {
    const page = await renderLoginPage({
      action: `${INTERACTION_PATH}${interaction.uid}/login`,
      clientId: interaction.params.client_id,
      email: form.success ? form.data.username : "",
      error: WRONG_CREDENTIALS,
    });
    sendPage(res, 200, page);
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
}

/**
 * Serves GET /interaction/:uid and POST /interaction/:uid/login. The interaction cookie that
 * oidc-provider set at /authorize ties each request to its authorization request; without it
 * interactionDetails throws and the person sees an error page.
 */
export async function handleInteraction(
  provider: Provider,
  users: UserDirectory,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
  const parts = path.slice(INTERACTION_PATH.length).split("/");
  try {
    if (req.method === "GET" && parts.length === 1) return await showInteraction(provider, req, res);
    if (req.method === "POST" && parts.length === 2 && parts[1] === "login") {
      return await submitLogin(provider, users, req, res);
    }
    sendPage(res, 404, await renderErrorPage("Not found", "There is no such page."));
  } catch (err) {
    // Mostly an expired or unknown interaction, or a missing cookie: start over from the application.
    console.error(`[oidc-provider] interaction failed: ${err instanceof Error ? err.message : "unknown error"}`);
    sendPage(res, 400, await renderErrorPage("Sign-in expired", "Go back to the application and sign in again."));
  }
}
