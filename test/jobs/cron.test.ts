// Cron triggers: days by name, an hour range wide enough for both UTC offsets, and the session gate in code.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sessionClose, sessionOpen } from "../../src/domain/trading-session";
import worker from "../../src/index";
import { CRONS } from "../../src/jobs/cron";
import { insertAssets } from "../helpers/market";

const fields = (cron: string) => cron.split(" ");

async function plannedBy(cron: string, at: string): Promise<number> {
  const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM jobs").first<{ n: number }>();
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: Date.parse(at) }), env, ctx);
  await waitOnExecutionContext(ctx);
  const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM jobs").first<{ n: number }>();
  return (after?.n ?? 0) - (before?.n ?? 0);
}

describe("cron triggers", () => {
  it("name their days: Cloudflare counts 1 as Sunday, so 1-5 would skip Friday", () => {
    for (const cron of Object.values(CRONS)) expect(fields(cron)[4]).toMatch(/^(\*|[A-Z]{3}(-[A-Z]{3})?)$/);
    expect(fields(CRONS.quotes)[4]).toBe("MON-FRI");
    expect(fields(CRONS.dailyBars)[4]).toBe("MON-FRI");
  });

  it("fire the quotes trigger in every session minute of both seasons, and the daily one after both closes", () => {
    const [from, to] = (fields(CRONS.quotes)[1] as string).split("-").map(Number) as [number, number];
    for (const day of ["2024-03-08", "2024-03-11", "2024-11-01", "2024-11-04"]) {
      expect(sessionOpen(day).getUTCHours()).toBeGreaterThanOrEqual(from);
      expect(new Date(sessionClose(day).getTime() - 60_000).getUTCHours()).toBeLessThanOrEqual(to);
      const daily = Date.UTC(2024, 0, 1, Number(fields(CRONS.dailyBars)[1]), Number(fields(CRONS.dailyBars)[0]));
      expect(daily % 86_400_000).toBeGreaterThan(sessionClose(day).getTime() % 86_400_000);
    }
  });

  it("plans quotes only inside the session, DST-aware", async () => {
    await insertAssets([{ symbol: "AAPL", name: "Apple" }]);
    // Monday after the fall switch (EST): 13:45 UTC is 08:45 in New York, 14:45 UTC is 09:45.
    expect(await plannedBy(CRONS.quotes, "2024-11-04T13:45:00Z")).toBe(0);
    expect(await plannedBy(CRONS.quotes, "2024-11-04T14:45:00Z")).toBe(1);
    // Monday after the spring switch (EDT): 13:45 UTC is 09:45, 20:30 UTC is 16:30.
    expect(await plannedBy(CRONS.quotes, "2024-03-11T13:45:00Z")).toBe(1);
    expect(await plannedBy(CRONS.quotes, "2024-03-11T20:30:00Z")).toBe(0);
    // A Friday in session.
    expect(await plannedBy(CRONS.quotes, "2024-06-28T15:00:00Z")).toBe(1);
  });
});
