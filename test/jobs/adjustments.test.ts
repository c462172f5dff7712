// Adjusted closes after a split and a cash dividend, checked against a hand-worked CRSP-style example.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { adjustmentSegments, FIRST_DATE, LAST_DATE } from "../../src/domain/adjustment-factors";
import { runRefresh } from "../../src/services/refresh";
import { call, userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";
import { FakeProvider } from "./fake-provider";
import { NOW } from "./helpers";

/**
 * Mon 2024-03-04 … Fri 2024-03-08, raw closes 100, 102, 50, 51, 52.
 * 2-for-1 split on Wed 03-06: bars before it × 1/2.
 * Dividend 0.51 ex Fri 03-08, previous close 51 (Thu): bars before it × (1 − 0.51/51) = × 0.99.
 * Factors: 03-04, 03-05 → 0.5 × 0.99 = 0.495; 03-06, 03-07 → 0.99; 03-08 → 1.
 * adj_close: 49.5, 50.49, 49.5, 50.49, 52.
 */
const DATES = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08"];
const CLOSES = [100, 102, 50, 51, 52];
const ADJUSTED = [49.5, 50.49, 49.5, 50.49, 52];

describe("adjustment factors", () => {
  it("segments: contiguous, newest first unadjusted, actions combine multiplicatively", () => {
    const segments = adjustmentSegments(
      [{ date: "2024-03-06", ratio: 2 }],
      [{ ex_date: "2024-03-08", amount: 0.51, previous_close: 51 }],
    );
    expect(segments).toEqual([
      { from_date: FIRST_DATE, to_date: "2024-03-06", factor: expect.closeTo(0.495, 12), split_factor: 0.5 },
      { from_date: "2024-03-06", to_date: "2024-03-08", factor: expect.closeTo(0.99, 12), split_factor: 1 },
      { from_date: "2024-03-08", to_date: LAST_DATE, factor: 1, split_factor: 1 },
    ]);
  });

  it("a dividend on a split's date restates the previous close in new shares; unknown previous close is skipped", () => {
    // P = 100 pre-split → 50 post-split; D = 1 → (1 − 1/50) = 0.98; × 1/2 for the split.
    const same = adjustmentSegments(
      [{ date: "2024-03-06", ratio: 2 }],
      [{ ex_date: "2024-03-06", amount: 1, previous_close: 100 }],
    );
    expect(same[0]!.factor).toBeCloseTo(0.49, 12);
    expect(adjustmentSegments([], [{ ex_date: "2024-03-06", amount: 1, previous_close: null }])).toEqual([]);
    expect(adjustmentSegments([{ date: "2024-03-06", ratio: 1 }], [])).toEqual([]);
  });

  it("adj_close through the pipeline and GET /prices matches the hand-worked example; raw bars stay raw", async () => {
    await insertAssets([{ symbol: "ADJX", name: "Adjusted Example" }]);
    const bars = DATES.map((date, i) => ({
      date,
      open: CLOSES[i]!,
      high: CLOSES[i]! + 1,
      low: CLOSES[i]! - 1,
      close: CLOSES[i]!,
      volume: 1000,
    }));
    const fake = new FakeProvider(
      new Map([
        [
          "ADJX",
          { bars, splits: [{ date: "2024-03-06", ratio: 2 }], dividends: [{ ex_date: "2024-03-08", amount: 0.51 }] },
        ],
      ]),
    );
    const run = await runRefresh(
      env,
      { kind: "refresh", job_id: "job_adj", mode: "backfill", symbols: ["ADJX"] },
      { provider: fake, cfg: getConfig(env), now: () => NOW },
    );
    expect(run.status).toBe("succeeded");
    expect(run.stats.adjustment_factors_rebuilt).toBe(1);

    const { token } = await userToken("user");
    const res = await call(`/v1/assets/ADJX/prices?start=2024-03-01&end=2024-03-31`, { token });
    expect(res.status).toBe(200);
    const got = res.body.data as Array<{ date: string; close: number; adj_close: number }>;
    expect(got.map((b) => b.date)).toEqual(DATES);
    expect(got.map((b) => b.close)).toEqual(CLOSES);
    for (const [i, b] of got.entries()) expect(b.adj_close).toBeCloseTo(ADJUSTED[i]!, 10);

    const actions = await call(`/v1/assets/ADJX/corporate-actions`, { token });
    expect(actions.status).toBe(200);
    expect(actions.body).toEqual({
      splits: [{ date: "2024-03-06", ratio: 2 }],
      dividends: [{ ex_date: "2024-03-08", amount: 0.51 }],
    });
    const ranged = await call(`/v1/assets/ADJX/corporate-actions?start=2024-03-07`, { token });
    expect(ranged.body).toEqual({ splits: [], dividends: [{ ex_date: "2024-03-08", amount: 0.51 }] });
  });
});
