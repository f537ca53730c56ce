// GET /audit/export: the rows of the filters, all of them, streamed batch by batch; CSV defused
// against formula injection; NDJSON one object a line; the same access rule as the pages.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordAudit, type AuditEvent } from "../../../src/audit/audit-log";
import { csvCell, EXPORT_COLUMNS } from "../../../src/audit/view/audit-export";
import { Browser, PUBLIC_URL } from "../auth/sign-in-driver";
import { NOT_A_VIEWER, signedInBrowser, VIEWER_BY_GROUP } from "./audit-browser";

const BASE_MS = Date.parse("2026-11-21T08:00:00.000Z");

async function seed(clientId: string, count: number, extra: (i: number) => Partial<AuditEvent> = () => ({})): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({ event: "deny", outcome: "unknown", at: BASE_MS + i, clientId, secretPath: `export/${i}`, ...extra(i) }) as AuditEvent);
  for (let i = 0; i < rows.length; i += 100) await recordAudit(env.DB, rows.slice(i, i + 100));
}

/** RFC 4180 parsing, to read back what a spreadsheet would. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += ch;
  }
  return rows;
}

describe("csvCell", () => {
  it.each(["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://evil\",\"x\")"])("defuses %j so a spreadsheet shows it as text", (value) => {
    const cell = parseCsv(`${csvCell(value)}\r\n`)[0]![0]!;
    expect(cell).toBe(`'${value}`);
  });

  it("quotes commas, quotes and line breaks, and leaves plain text alone", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell("plain@corp.example")).toBe("plain@corp.example");
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
  });

  it("never lets a cell start a formula, and reads back as the text (plus a leading ' when defused)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (value) => {
        const back = parseCsv(`${csvCell(value)},end\r\n`)[0]!;
        expect(back[1]).toBe("end");
        expect(/^[=+\-@\t\r]/.test(back[0]!)).toBe(false);
        expect(back[0] === value || back[0] === `'${value}`).toBe(true);
      }),
    );
  });
});

describe("GET /audit/export", () => {
  it("streams every matching row as CSV, across many batches, defused", async () => {
    const clientId = `export-${crypto.randomUUID()}`;
    await seed(clientId, 1_100, (i) => (i === 7 ? { email: "=cmd|' /C calc'!A0", userAgent: "-1+1", secretPath: "@x,y" } : {}));
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    const res = await browser.worker(`${PUBLIC_URL}/audit/export?format=csv&client_id=${clientId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="claimcheck-audit-[\dTZ-]+\.csv"$/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");

    // Streamed: the first chunks hold the header, then one batch, before the rest is read.
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = decoder.decode((await reader.read()).value);
    expect(first).toBe(`${EXPORT_COLUMNS.join(",")}\r\n`);
    const second = decoder.decode((await reader.read()).value);
    expect(second.split("\r\n").filter(Boolean).length).toBeLessThanOrEqual(500);
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    const rows = parseCsv(first + second + rest);
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    expect(rows.length).toBe(1 + 1_100);
    expect(rows.slice(1).map((r) => r[9])).toEqual(Array.from({ length: 1_100 }, (_, i) => (i === 1_092 ? "'@x,y" : `export/${1_099 - i}`)));
    const defused = rows.find((r) => r[9] === "'@x,y")!;
    expect(defused[5]).toBe("'=cmd|' /C calc'!A0");
    expect(defused[13]).toBe("'-1+1");
  });

  it("exports NDJSON, one object a line, with the detail as an object, honouring the filters", async () => {
    const clientId = `export-${crypto.randomUUID()}`;
    await seed(clientId, 5, (i) => ({ event: i % 2 ? "replay" : "mint", outcome: "ok", detail: { n: i } }));
    const browser = await signedInBrowser(VIEWER_BY_GROUP);
    const res = await browser.worker(`${PUBLIC_URL}/audit/export?format=ndjson&client_id=${clientId}&event=replay`);
    expect(res.headers.get("Content-Type")).toBe("application/x-ndjson; charset=utf-8");
    const lines = (await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.event, l.detail])).toEqual([["replay", { n: 3 }], ["replay", { n: 1 }]]);
    expect(Object.keys(lines[0]!)).toEqual([...EXPORT_COLUMNS]);
  });

  it("has the pages' access rule: sign-in first, 403 for a non-viewer, and a named refusal of an unknown format", async () => {
    const anonymous = await new Browser().worker(`${PUBLIC_URL}/audit/export?format=csv`);
    expect(anonymous.status).toBe(302);
    expect((await (await signedInBrowser(NOT_A_VIEWER)).worker(`${PUBLIC_URL}/audit/export?format=csv`)).status).toBe(403);
    const bad = await (await signedInBrowser(VIEWER_BY_GROUP)).worker(`${PUBLIC_URL}/audit/export?format=xlsx`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("csv or ndjson");
  });
});
