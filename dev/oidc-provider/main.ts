// CLI: `node dev/oidc-provider/main.ts [--port 8791] [--client-id ID] [--redirect-uri URL ...]
// [--signing-key private-jwk.json]`. Secrets come from the environment, not argv (which `ps`
// shows): OIDC_CLIENT_SECRET, DEMO_ALICE_PASSWORD, DEMO_BOB_PASSWORD.
import { parseArgs } from "node:util";
import { demoUsers } from "./demo-users.ts";
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_OIDC_PORT, LOCAL_REDIRECT_URI } from "./local-client.ts";
import { startOidcProvider } from "./server.ts";
import { loadSigningKey } from "./signing-key.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: String(LOCAL_OIDC_PORT) },
    "client-id": { type: "string", default: LOCAL_CLIENT_ID },
    "redirect-uri": { type: "string", multiple: true, default: [LOCAL_REDIRECT_URI] },
    "signing-key": { type: "string" },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error("--port must be an integer between 0 and 65535");
  process.exit(2);
}

try {
  const idp = await startOidcProvider({
    port,
    clients: [
      {
        client_id: values["client-id"],
        client_secret: process.env.OIDC_CLIENT_SECRET ?? LOCAL_CLIENT_SECRET,
        redirect_uris: values["redirect-uri"],
      },
    ],
    users: demoUsers({ alice: process.env.DEMO_ALICE_PASSWORD, bob: process.env.DEMO_BOB_PASSWORD }),
    ...(values["signing-key"] && { signingKey: await loadSigningKey(values["signing-key"]) }),
  });
  console.log(`Local OpenID provider: ${idp.issuer} (client ${values["client-id"]}; users alice@demo.test, bob@demo.test)`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void idp.close().then(() => process.exit(0)));
  }
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  console.error(code === "EADDRINUSE" ? `Port ${port} on 127.0.0.1 is already in use; pass --port.` : String(err));
  process.exit(1);
}
