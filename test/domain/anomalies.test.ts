import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import { detectAnomalies, robustZScores } from "../../src/domain/anomalies";
import { randomWalk, seededRandom, weekdays } from "./market-fixtures";

const barsWithVolumes = (volumes: number[]) => {
  const dates = weekdays("2024-01-01", volumes.length);
  return volumes.map((volume, i) => ({ date: dates[i] as string, close: 100, volume }));
};

describe("robust z-scores", () => {
  it("scores against the median and 1.4826 × MAD, by hand", () => {
    // median 100; |deviations| 0,10,10,0,5,5,0,900 → MAD 5 → σ̂ 7.413; 1000 → 900/7.413 = 121.4
    const z = robustZScores([100, 110, 90, 100, 105, 95, 100, 1000]);
    expect(z?.median).toBe(100);
    expect(z?.scores[7]).toBeCloseTo(900 / (1.4826 * 5), 12);
    expect(z?.scores[1]).toBeCloseTo(10 / (1.4826 * 5), 12);
  });

  it("agrees with simple-statistics' median and MAD", () => {
    const xs = randomWalk(weekdays("2024-01-01", 101), seededRandom(2)).map((p) => p.close);
    const z = robustZScores(xs);
    const scale = 1.4826 * ss.medianAbsoluteDeviation(xs);
    expect(z?.scores[40]).toBeCloseTo(((xs[40] as number) - ss.median(xs)) / scale, 12);
  });

  it("falls back to the mean absolute deviation when MAD is 0", () => {
    // five 100s and one 500: MAD 0; mean |dev| = 400/6 → σ̂ = 1.2533 × 66.67 = 83.55 → z = 4.79
    const z = robustZScores([100, 100, 100, 100, 100, 500]);
    expect(z?.scores[5]).toBeCloseTo(400 / (1.2533 * (400 / 6)), 12);
    expect(robustZScores([1, 1, 1, 1])).toBeNull();
    expect(robustZScores([1, 2])).toBeNull();
  });
});

describe("anomalies: each day against the sessions before it", () => {
  const few = { minObservations: 7 };

  it("flags a volume spike with its score and a readable reason", () => {
    // The 7 volumes before it: median 100, |dev| 0,10,10,0,5,5,0 → MAD 5 → σ̂ 7.413; (1e6 − 100) / 7.413
    const found = detectAnomalies(barsWithVolumes([100, 110, 90, 100, 105, 95, 100, 1_000_000]), few);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: "volume", value: 1_000_000, date: weekdays("2024-01-01", 8)[7] });
    expect(found[0]?.score).toBeCloseTo((1_000_000 - 100) / (1.4826 * 5), 9);
    expect(found[0]?.reason).toMatch(
      /^volume 1\.0M is \d+\.\d robust σ above the median 100 of the previous 7 sessions$/,
    );
  });

  it("flags a crash day's return against the 21 returns before it", () => {
    // returns +1%, 0, −1% seven times, then −8.2%: median 0, MAD 1% → σ̂ 1.4826% → z = −8.2/1.4826 = −5.53
    const closes = [100];
    for (let i = 0; i < 21; i++) closes.push((closes.at(-1) as number) * (1 + [0.01, 0, -0.01][i % 3]!));
    closes.push((closes.at(-1) as number) * (1 - 0.082));
    const dates = weekdays("2024-01-01", closes.length);
    const found = detectAnomalies(closes.map((close, i) => ({ date: dates[i] as string, close })));
    expect(found).toHaveLength(1);
    expect(found[0]?.kind).toBe("return");
    expect(found[0]?.value).toBeCloseTo(-0.082, 12);
    expect(found[0]?.score).toBeCloseTo(-0.082 / 0.014826, 6);
    expect(found[0]?.reason).toBe("return -8.2% is 5.5 robust σ below the median 0.0% of the previous 21 sessions");
  });

  it("uses only the `lookback` sessions before a day, never the day itself or a later one", () => {
    // Volumes 100,110,90,100,105,95,100 then 160, then 10 more of 1,000. With lookback 7 the 160 is scored against
    // the seven before it ((160 − 100) / 7.413 = 8.1 σ) whatever follows; the 1,000s after it change nothing.
    const head = [100, 110, 90, 100, 105, 95, 100, 160];
    const alone = detectAnomalies(barsWithVolumes(head), { minObservations: 7, lookback: 7 });
    const followed = detectAnomalies(barsWithVolumes([...head, ...Array(10).fill(1000)]), {
      minObservations: 7,
      lookback: 7,
    });
    expect(alone).toHaveLength(1);
    expect(alone[0]?.score).toBeCloseTo(60 / (1.4826 * 5), 9);
    expect(followed[0]).toEqual(alone[0]);
    // The first 1,000 is far above the seven before it (which include the 160); from the eighth 1,000 on the
    // baseline is all 1,000s: flat, so nothing more can be scored.
    expect(followed.filter((f) => f.value === 1000).length).toBeGreaterThan(0);
    expect(followed.some((f) => f.date === weekdays("2024-01-01", 18)[17])).toBe(false);
  });

  it("scores nothing before minObservations, and respects the threshold", () => {
    expect(detectAnomalies(barsWithVolumes([100, 110, 90, 100, 105, 95, 100, 1_000_000]))).toEqual([]); // default 20
    const calm = barsWithVolumes([100, 101, 99, 100, 102, 98, 100, 101]);
    expect(detectAnomalies(calm, few)).toEqual([]);
    // 120 is 20/7.413 = 2.7 robust σ above the seven before it: flagged at threshold 2, not at 3.5
    const mild = barsWithVolumes([100, 110, 90, 100, 105, 95, 100, 120]);
    expect(detectAnomalies(mild, { ...few, threshold: 3.5 })).toEqual([]);
    expect(detectAnomalies(mild, { ...few, threshold: 2 }).map((a) => a.kind)).toEqual(["volume"]);
    expect(() => detectAnomalies(calm, { threshold: 0 })).toThrow(RangeError);
    expect(() => detectAnomalies(calm, { minObservations: 2 })).toThrow(RangeError);
  });
});
