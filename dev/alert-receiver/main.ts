// CLI: `node dev/alert-receiver/main.ts --port 8792` with ALERT_WEBHOOK_SECRET in the environment.
// Prints every alert it receives and whether its signature verified. `npm start` runs the same
// receiver in its own process (dev/stack/local-stack.ts).
import { parseArgs } from "node:util";
import { describeAlert } from "./print-alert.ts";
import { startAlertReceiver } from "./server.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "8792" } } });
const secret = process.env.ALERT_WEBHOOK_SECRET;
if (!secret) {
  console.error("Set ALERT_WEBHOOK_SECRET to the Worker's secret.");
  process.exit(2);
}
const receiver = await startAlertReceiver({ port: Number(values.port), secret, onAlert: (a) => console.log(describeAlert(a)) });
const keepAlive = setInterval(() => {}, 1 << 30);
console.log(`Alert receiver listening on ${receiver.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(keepAlive);
    void receiver.close().then(() => process.exit(0));
  });
}
