import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { flowAdjustedCurve, moneyWeightedReturn, timeWeightedReturn } from "../../src/domain/cash-flow-returns";

describe("time-weighted return", () => {
  it("is the plain total return without flows", () => {
    const v = [
      { date: "2024-01-01", value: 100 },
      { date: "2024-01-02", value: 110 },
      { date: "2024-01-03", value: 99 },
    ];
    expect(timeWeightedReturn(v)).toBeCloseTo(0.99 - 1, 14);
  });

  it("ignores a contribution: +10% then +10% is 21% whatever is added between", () => {
    const v = [
      { date: "2024-01-01", value: 100 },
      { date: "2024-01-02", value: 110 },
      { date: "2024-01-03", value: (110 + 1000) * 1.1 },
    ];
    expect(timeWeightedReturn(v, [{ date: "2024-01-03", amount: 1000 }])).toBeCloseTo(0.21, 12);
  });
});

describe("money-weighted return (IRR)", () => {
  it("solves the hand example 100(1+r)² + 100(1+r) = 210", () => {
    const r = moneyWeightedReturn({ date: "2022-01-01", value: 100 }, { date: "2024-01-01", value: 210 }, [
      { date: "2023-01-01", amount: 100 },
    ]);
    expect(r).toBeCloseTo((-1 + Math.sqrt(1 + 4 * 2.1)) / 2 - 1, 10);
  });

  it("equals the annualised total return when nothing is added", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 5, noNaN: true }), fc.integer({ min: 90, max: 3650 }), (growth, days) => {
        const end = new Date(Date.parse("2020-01-01T00:00:00Z") + days * 86_400_000).toISOString().slice(0, 10);
        const r = moneyWeightedReturn({ date: "2020-01-01", value: 100 }, { date: end, value: 100 * growth });
        expect(r).toBeCloseTo(growth ** (365 / days) - 1, 8);
      }),
    );
  });

  it("is null when there is no span", () => {
    expect(moneyWeightedReturn({ date: "2024-01-01", value: 1 }, { date: "2024-01-01", value: 2 })).toBeNull();
  });
});

describe("flow-adjusted curve", () => {
  it("moves by V_t/(V_{t−1} + F_t): 100 → 110, +50 paid in, → 176 reads as 100 → 110 → 121", () => {
    const curve = flowAdjustedCurve(
      [
        { date: "2024-01-02", value: 100 },
        { date: "2024-01-03", value: 110 },
        { date: "2024-01-04", value: 176 }, // (110 + 50) × 1.1
      ],
      [{ date: "2024-01-04", amount: 50 }],
    );
    expect(curve.map((p) => p.value)).toEqual([100, 110, expect.closeTo(121, 12)]);
  });
});
