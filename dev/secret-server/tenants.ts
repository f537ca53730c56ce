// Independent Secret Servers under one port: `/t/{name}/...` is a Secret Server of its own (state,
// tokens, faults, stats), created from the same seed on first use. Test files running in parallel
// each take their own tenant, so one file's injected faults never hit another file's requests.
// A tenant whose name starts with `sdk-only-` serves only what Delinea's SDKs call (README).
// Everything else is the default Secret Server at the root.
import { createSecretServerHandler, type SecretServerHandler } from "./handler.ts";
import { json } from "./shapes.ts";
import type { SeedFile } from "./seed.ts";

const TENANT_PATH = /^\/t\/([A-Za-z0-9-]{1,64})(?=\/|$)/;
const SDK_ONLY_TENANT = "sdk-only-";
/** Bounds memory if something creates tenants in a loop. */
const MAX_TENANTS = 200;

export type TenantRouter = {
  fetch(request: Request): Promise<Response>;
  /** The Secret Server at the root. */
  root: SecretServerHandler;
  dispose(): void;
};

export function createTenantRouter(seed: SeedFile, options: { sdkOnly?: boolean } = {}): TenantRouter {
  const root = createSecretServerHandler(seed, { sdkOnly: options.sdkOnly ?? false });
  const tenants = new Map<string, SecretServerHandler>();

  return {
    root,
    fetch(request) {
      const name = TENANT_PATH.exec(new URL(request.url).pathname)?.[1];
      if (name === undefined) return root.fetch(request);
      let tenant = tenants.get(name);
      if (!tenant) {
        if (tenants.size >= MAX_TENANTS) return Promise.resolve(json({ message: "too many stand-in tenants" }, 503));
        tenant = createSecretServerHandler(seed, { basePath: `/t/${name}`, sdkOnly: name.startsWith(SDK_ONLY_TENANT) });
        tenants.set(name, tenant);
      }
      return tenant.fetch(request);
    },
    dispose() {
      root.dispose();
      for (const tenant of tenants.values()) tenant.dispose();
    },
  };
}
