// The Worker's audit trail as an operator reads it (dev/stack/local-d1.ts), as typed rows.
import { z } from "zod";
import { queryLocalD1, querySettledLocalD1 } from "../../../dev/stack/local-d1.ts";
import { AuditRow } from "../../../src/audit/view/audit-row.ts";

// The row as the audit pages read it: one schema for the product and the tests.
export { AuditRow };

const ALL_ROWS = "SELECT * FROM audit_events ORDER BY at, id";

/** The rows as they are now. */
export async function readAuditRows(persistTo: string): Promise<AuditRow[]> {
  return z.array(AuditRow).parse(await queryLocalD1(persistTo, ALL_ROWS));
}

/** The rows once the stores have delivered what they queued before the call. */
export async function settledAuditRows(persistTo: string): Promise<AuditRow[]> {
  return z.array(AuditRow).parse(await querySettledLocalD1(persistTo, ALL_ROWS));
}
