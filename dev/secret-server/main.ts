// CLI: `node dev/secret-server/main.ts --port 8790 --seed dev/secret-server/seed.json [--sdk-only]`
// (`--sdk-only`, or SECRET_SERVER_SDK_ONLY=1: serve only what Delinea's SDKs call; see README).
import { parseArgs } from "node:util";
import { startSecretServer } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8790" },
    seed: { type: "string" },
    "sdk-only": { type: "boolean", default: false },
  },
});
const sdkOnly = values["sdk-only"] || process.env.SECRET_SERVER_SDK_ONLY === "1";

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error("--port must be an integer between 0 and 65535");
  process.exit(2);
}

const server = await startSecretServer({ port, sdkOnly, ...(values.seed ? { seedPath: values.seed } : {}) });
// The server is unref'd so tests can't be held open by it; a CLI run must stay up until stopped.
const keepAlive = setInterval(() => {}, 1 << 30);
console.log(`Secret Server stand-in listening on ${server.url}${sdkOnly ? " (SDK-only)" : ""}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(keepAlive);
    void server.close().then(() => process.exit(0));
  });
}
