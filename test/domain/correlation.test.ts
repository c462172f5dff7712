import * as ss from "simple-statistics";
import { describe, expect, it } from "vitest";
import { correlationMatrix, pairedReturns } from "../../src/domain/correlation";
import { randomWalk, seededRandom, series, weekdays } from "./market-fixtures";

describe("correlation matrix", () => {
  it("is 1 on the diagonal, symmetric, and −1 for mirrored returns", () => {
    // B's returns are exactly −A's: +10%, −10%, +5% vs −10%, +10%, −5%
    const prices = {
      A: series({ "2024-01-01": 100, "2024-01-02": 110, "2024-01-03": 99, "2024-01-04": 103.95 }),
      B: series({ "2024-01-01": 100, "2024-01-02": 90, "2024-01-03": 99, "2024-01-04": 94.05 }),
    };
    const c = correlationMatrix(prices, ["A", "B"]);
    expect(c.matrix[0]?.[0]).toBeCloseTo(1, 12);
    expect(c.matrix[0]?.[1]).toBeCloseTo(-1, 12);
    expect(c.matrix[1]?.[0]).toBe(c.matrix[0]?.[1]);
    expect(c.observations).toEqual([
      [3, 3],
      [3, 3],
    ]);
  });

  it("agrees with simple-statistics on random walks", () => {
    const rand = seededRandom(4);
    const dates = weekdays("2023-01-02", 250);
    const prices = { X: randomWalk(dates, rand), Y: randomWalk(dates, rand) };
    const rx = prices.X.slice(1).map((p, i) => p.close / (prices.X[i]?.close as number) - 1);
    const ry = prices.Y.slice(1).map((p, i) => p.close / (prices.Y[i]?.close as number) - 1);
    expect(correlationMatrix(prices, ["X", "Y"]).matrix[0]?.[1]).toBeCloseTo(ss.sampleCorrelation(rx, ry), 12);
  });

  it("pairs returns over common dates only", () => {
    // common dates 01, 03, 04 → returns 01→03 and 03→04 on both sides
    const x = series({ "2024-01-01": 10, "2024-01-02": 11, "2024-01-03": 12, "2024-01-04": 6 });
    const y = series({ "2024-01-01": 20, "2024-01-03": 30, "2024-01-04": 60, "2024-01-05": 1 });
    const p = pairedReturns(x, y);
    expect(p.a).toEqual([expect.closeTo(0.2, 14), -0.5]);
    expect(p.b).toEqual([0.5, 1]);
  });

  it("gives null for too few common returns, an unknown symbol or a flat series", () => {
    const prices = {
      A: series({ "2024-01-01": 1, "2024-01-02": 2 }),
      F: series({ "2024-01-01": 5, "2024-01-02": 5, "2024-01-03": 5, "2024-01-04": 5 }),
    };
    const c = correlationMatrix(prices, ["A", "F", "NOPE"]);
    expect(c.matrix[0]?.[0]).toBeNull();
    expect(c.matrix[1]?.[1]).toBeNull();
    expect(c.matrix[2]?.[0]).toBeNull();
  });
});
