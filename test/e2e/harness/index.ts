// One import for end-to-end tests: the process harness (in dev/stack, shared with `npm start`),
// the local stand-ins, and the headless browser for sign-in flows (in dev/http-browser, shared with
// `npm run demo`).
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
export { CookieJar } from "../../../dev/http-browser/cookie-jar.ts";
export { formData, formWithButton, readForms } from "../../../dev/http-browser/html-forms.ts";
export type { FormButton, FormInput, HtmlForm } from "../../../dev/http-browser/html-forms.ts";
export { FlowStuckError, HttpBrowser, submitForm } from "../../../dev/http-browser/http-browser.ts";
export type { FollowOptions, Navigation, Page, PageHandler } from "../../../dev/http-browser/http-browser.ts";
export { loginAndFollow } from "../../../dev/http-browser/login-and-follow.ts";
export type { LoginAndFollowOptions } from "../../../dev/http-browser/login-and-follow.ts";
export { fillLoginForm, pressButton } from "../../../dev/http-browser/page-handlers.ts";
export type { Credentials } from "../../../dev/http-browser/page-handlers.ts";
