// Misbehaviour on demand from the Secret Server stand-in, through its own route
// (`POST /_stand-in/faults`, dev/secret-server/README.md), as any test or operator would ask for it.
import type { FaultRequest } from "../../../dev/secret-server/server.ts";

export async function injectFaults(standInUrl: string, request: FaultRequest): Promise<void> {
  const response = await fetch(`${standInUrl}/_stand-in/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`the stand-in refused the faults (HTTP ${response.status}): ${answer}`);
}
