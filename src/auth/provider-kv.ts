// The OAUTH_KV the OAuth provider sees. The provider builds KV keys from what a client sends (the
// client_id, the parts of a code or token) and expects a lookup of an unknown key to answer null;
// Workers KV instead throws on a key over 512 bytes, which turned an over-long client_id or token
// into a 500. No such key can ever have been written, so "absent" is the true answer.

/** Workers KV's limit on a key, in UTF-8 bytes. */
const KV_MAX_KEY_BYTES = 512;

const encoder = new TextEncoder();

function unstorable(key: unknown): boolean {
  return typeof key === "string" && encoder.encode(key).byteLength > KV_MAX_KEY_BYTES;
}

/** What each lookup answers for a key that cannot exist. */
const ABSENT: Record<string, unknown> = {
  get: null,
  getWithMetadata: { value: null, metadata: null, cacheStatus: null },
  delete: undefined,
};

function absentOnLongKeys(kv: KVNamespace): KVNamespace {
  return new Proxy(kv, {
    get(target, name) {
      const member: unknown = Reflect.get(target, name, target);
      if (typeof member !== "function") return member;
      if (typeof name === "string" && name in ABSENT) {
        return (key: unknown, ...rest: unknown[]) => (unstorable(key) ? Promise.resolve(ABSENT[name]) : member.call(target, key, ...rest));
      }
      return member.bind(target);
    },
  });
}

const providerEnvs = new WeakMap<Env, Env>();

/** `env` with OAUTH_KV answering "absent" for keys KV cannot hold; one copy per env. */
export function providerEnv(env: Env): Env {
  let copy = providerEnvs.get(env);
  if (!copy) {
    copy = { ...env, OAUTH_KV: absentOnLongKeys(env.OAUTH_KV) };
    providerEnvs.set(env, copy);
  }
  return copy;
}
