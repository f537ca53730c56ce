// Does wrangler dev take the client's address from a CF-Connecting-IP header the client sends?
// (miniflare's entry worker sets the header from the socket only when the request has none.) The
// bench gives each agent its own address that way, so the answer decides whether the Worker's rate
// limits see 50 clients or one. Checked through the limiter itself: attempts at one session's
// tickets from one address are refused after REDEEM_LIMIT_SESSION's 60 per 10 s (wrangler.toml);
// the next attempt from another address must not be. The attempts carry made-up keys, so they are
// refused as unknown tickets (and audited as such) until the limiter steps in.
import { randomBytes } from "node:crypto";

/** Bounded: two windows' worth, in case a 10 s window ends mid-burst. */
const MAX_ATTEMPTS = 130;
/** Documentation addresses (TEST-NET-1) that no agent uses. */
const FIRST_ADDRESS = "192.0.2.1";
const SECOND_ADDRESS = "192.0.2.2";

export type AddressProbe = { honoured: boolean; refusedAfter: number | undefined; otherAddressStatus: number | undefined };

async function attempt(publicUrl: string, routing: string, address: string): Promise<number> {
  const madeUp = `cct_${routing}_${randomBytes(32).toString("base64url")}`;
  const response = await fetch(`${publicUrl}/redeem`, {
    method: "POST",
    headers: { authorization: `Bearer ${madeUp}`, "cf-connecting-ip": address },
  });
  await response.body?.cancel();
  return response.status;
}

/** `routing`: the session part of a real ticket (`cct_<routing>_<key>`). */
export async function probeClientAddress(publicUrl: string, routing: string): Promise<AddressProbe> {
  for (let n = 1; n <= MAX_ATTEMPTS; n++) {
    if ((await attempt(publicUrl, routing, FIRST_ADDRESS)) !== 429) continue;
    const otherAddressStatus = await attempt(publicUrl, routing, SECOND_ADDRESS);
    return { honoured: otherAddressStatus !== 429, refusedAfter: n - 1, otherAddressStatus };
  }
  return { honoured: false, refusedAfter: undefined, otherAddressStatus: undefined };
}

export function describeProbe(probe: AddressProbe): string {
  if (probe.refusedAfter === undefined) return `the rate limiter refused none of ${MAX_ATTEMPTS} attempts from one address: could not tell`;
  const verdict = probe.honoured ? "honoured" : "NOT honoured (one address for every client)";
  return `CF-Connecting-IP sent by the client is ${verdict} by wrangler dev: one session's tickets from ${FIRST_ADDRESS} were refused with 429 after ${probe.refusedAfter} attempts; the next attempt from ${SECOND_ADDRESS} got ${probe.otherAddressStatus}`;
}
