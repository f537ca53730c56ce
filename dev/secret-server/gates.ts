// The checks Secret Server makes before it shows or changes a secret's values, in its order:
// approval, check-out, comment. Shared by the reads (api.ts) and the writes (writes.ts).
import { approvalRequired, checkOutRequired, commentRequired } from "./shapes.ts";
import type { SeedSecret } from "./seed.ts";
import type { Principal, Store } from "./store.ts";

export type Caller = { store: Store; principal: Principal; sdkOnly: boolean };

export function accessGate(caller: Caller, secret: SeedSecret, comment: string | undefined): Response | undefined {
  const { store, principal, sdkOnly } = caller;
  // Approval is the server's own rule, so it holds in SDK-only mode too (where nothing can ask for it).
  if (store.needsApproval(secret, principal.username)) return approvalRequired();
  // No SDK checks out, so a server built to the SDKs has no check-out to require.
  if (!sdkOnly && secret.checkOutEnabled && store.checkedOutBy(secret.id) !== principal.username) return checkOutRequired();
  if (secret.requiresComment && !comment?.trim()) return commentRequired();
  return undefined;
}
