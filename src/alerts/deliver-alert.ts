// One attempt at sending one alert. Defensive like every outbound call: a 10 s timeout, redirects
// not followed (a receiver that moved must be reconfigured, not trusted to forward the alert), the
// status checked, and the receiver's body never read: it is cancelled unread, so a receiver that
// streams forever costs nothing and nothing it says reaches a log.
import { alertBody } from "./alert-body";
import { signAlert, SIGNATURE_HEADER } from "./alert-signature";
import type { Alert } from "./alert";
import type { AlertSettings } from "./alert-settings";

/** One attempt's limit, connection to status line. */
export const ALERT_TIMEOUT_MS = 10_000;

/** Why an attempt failed, short and fixed: it goes to the audit row of a dropped alert. */
export type DeliveryFailure = "timeout" | "network" | "redirect" | "not_configured" | `status_${number}`;
export type DeliveryOutcome = { delivered: true } | { delivered: false; failure: DeliveryFailure };

export async function deliverAlert(alert: Alert, settings: AlertSettings, nowMs: number, timeoutMs = ALERT_TIMEOUT_MS): Promise<DeliveryOutcome> {
  const body = alertBody(alert, settings.format);
  let res: Response;
  try {
    res = await fetch(settings.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "claimcheck-alerts",
        [SIGNATURE_HEADER]: await signAlert(settings.secret, body, nowMs),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { delivered: false, failure: err instanceof Error && err.name === "TimeoutError" ? "timeout" : "network" };
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { delivered: true };
  return { delivered: false, failure: res.status >= 300 && res.status < 400 ? "redirect" : `status_${res.status}` };
}
