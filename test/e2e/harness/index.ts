// One import for end-to-end tests: the process harness (in dev/stack, shared with `npm start`),
// the local stand-ins, and the headless browser for sign-in flows.
export { killAllChildren, runChild, spawnChild } from "../../../dev/stack/child-process.ts";
export type { Child, ChildOptions, ExitStatus } from "../../../dev/stack/child-process.ts";
export { assertPortFree, findFreePort, PortInUseError } from "../../../dev/stack/ports.ts";
export { startNodeService, startService } from "../../../dev/stack/service.ts";
export type { Service, ServiceOptions } from "../../../dev/stack/service.ts";
export { DEMO_ACCESS_POLICY, LOCAL_OIDC_SCOPES, workerVars } from "../../../dev/stack/worker-vars.ts";
export type { LocalStackAddresses } from "../../../dev/stack/worker-vars.ts";
export { applyLocalMigrations, PROJECT_ROOT, startWranglerDev } from "../../../dev/stack/wrangler-dev.ts";
export type { WranglerDev, WranglerDevOptions } from "../../../dev/stack/wrangler-dev.ts";
export { DEFAULT_ALICE_PASSWORD, DEFAULT_BOB_PASSWORD, demoUsers } from "../../../dev/oidc-provider/demo-users.ts";
export { startOidcProvider } from "../../../dev/oidc-provider/server.ts";
export type { DemoUser, OidcClient, RunningOidcProvider, StartOidcProviderOptions } from "../../../dev/oidc-provider/server.ts";
export { CookieJar } from "./cookie-jar.ts";
export { formData, formWithButton, readForms } from "./html-forms.ts";
export type { FormButton, FormInput, HtmlForm } from "./html-forms.ts";
export { FlowStuckError, HttpBrowser, submitForm } from "./http-browser.ts";
export type { FollowOptions, Navigation, Page, PageHandler } from "./http-browser.ts";
export { loginAndFollow } from "./login-and-follow.ts";
export type { LoginAndFollowOptions } from "./login-and-follow.ts";
export { fillLoginForm, pressButton } from "./page-handlers.ts";
export type { Credentials } from "./page-handlers.ts";
