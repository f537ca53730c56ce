// oidc-provider ships no types and @types/oidc-provider is not a dependency: these declare only
// the part of its API the local provider uses.
declare module "oidc-provider" {
  type IncomingMessage = import("node:http").IncomingMessage;
  type ServerResponse = import("node:http").ServerResponse;

  export type Interaction = {
    uid: string;
    grantId?: string;
    params: Record<string, unknown> & { client_id: string };
    prompt: {
      name: string;
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    session?: { accountId: string };
  };

  export type InteractionResult =
    | { login: { accountId: string } }
    | { consent: { grantId: string } };

  export class Grant {
    constructor(init: { accountId: string; clientId: string });
    static find(id: string): Promise<Grant | undefined>;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    save(): Promise<string>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly Grant: typeof Grant;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: "server_error", listener: (ctx: unknown, error: Error) => void): this;
  }

  export default Provider;
}

declare module "oidc-provider/lib/adapters/memory_adapter.js" {
  /** One in-memory store shared by every Provider built with the returned factory. */
  export function createMemoryAdapter(clockTolerance?: number): (model: string) => unknown;
}
