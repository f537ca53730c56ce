// ALERT_EVENTS may only name events the audit trail records: a typo (`repaly`) would otherwise
// switch an alert off without a word. Checked where the Worker starts handling a request (and the
// cron), against AUDIT_EVENTS, the one list of events.
import { AUDIT_EVENTS } from "../audit/audit-log";
import type { Config } from "../config";
import { ClaimcheckError } from "../errors";

export function assertKnownAlertEvents(config: Config): void {
  const events = config.alerts?.events;
  if (!events) return;
  const known = new Set<string>(AUDIT_EVENTS);
  const unknown = [...events].filter((e) => !known.has(e)).length;
  if (unknown === 0) return;
  // Names the setting and the allowed names; the unknown ones are not echoed (settings never are).
  const problem = `ALERT_EVENTS: ${unknown} unknown event name(s); use names from ${AUDIT_EVENTS.join(", ")}`;
  throw new ClaimcheckError("CONFIG_INVALID", { message: `claimcheck is misconfigured: ${problem}.`, detail: problem });
}
