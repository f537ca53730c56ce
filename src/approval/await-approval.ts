// A waiting ticket polled by its snippet: when Secret Server's own workflow applies, its access
// request is asked about now, and a decision recorded in the TicketStore. Returns whether
// Secret Server decided (approved or not): the caller then looks at the ticket again.
import type { SecretReader } from "../secret-server";
import { describeTicket } from "../audit/audit-log";
import type { BeginRedemption, TicketStore } from "../tickets/ticket-store";
import { ticketIdOf } from "../tickets/ticket-format";

type Waiting = Extract<BeginRedemption, { reason: "pending" }>;

export async function awaitApproval(
  store: DurableObjectStub<TicketStore>,
  source: SecretReader,
  hash: string,
  { record, approval }: Waiting,
): Promise<boolean> {
  const requestId = approval.secretServerRequestId;
  if (requestId === undefined || approval.secretServerStatus !== undefined && approval.secretServerStatus !== "Pending") return false;
  const request = await source.accessRequest(requestId);
  if (request.status === "Pending") return false;
  // Anything but a clear Approved fails closed.
  const status = request.status === "Approved" ? "Approved" : request.status === "Denied" ? "Denied" : "Canceled";
  await store.settleSecretServer(hash, status, {
    event: status === "Approved" ? "approved" : "denied",
    outcome: status === "Approved" ? "ok" : status.toLowerCase(),
    ...describeTicket(record, ticketIdOf(hash)),
    detail: { secret_server_request: requestId, decided_by: "secret-server" },
  });
  return true;
}
