import { exports, env } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers the health check", async () => {
  const res = await exports.default.fetch("https://claimcheck.test/health");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
});

it("has the audit table from the migrations", async () => {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM audit_events").first<{ n: number }>();
  expect(row?.n).toBe(0);
});
