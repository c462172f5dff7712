// Index alert rules (level crossing, drawdown past a threshold, weight drift from target), live weights and
// the messages, against hand-computed numbers.
import { describe, expect, it } from "vitest";
import { indexAlertMessage } from "../../src/domain/alert-messages";
import { type IndexAlertRule, liveWeights, observeIndexAlert } from "../../src/domain/index-alerts";

const state = { level: 900, peak: 1200, weights: { A: 0.7, B: 0.3 }, targets: { A: 0.6, B: 0.4 } };
const rule = (r: Partial<IndexAlertRule>): IndexAlertRule => ({
  kind: "index_level",
  condition: "above",
  threshold: 1,
  symbol: null,
  ...r,
});

describe("observeIndexAlert", () => {
  it("crosses a level inclusively, from the side named", () => {
    expect(observeIndexAlert(rule({ condition: "below", threshold: 900 }), state)).toEqual({ value: 900, fires: true });
    expect(observeIndexAlert(rule({ condition: "below", threshold: 899.99 }), state).fires).toBe(false);
    expect(observeIndexAlert(rule({ condition: "above", threshold: 900 }), state).fires).toBe(true);
    expect(observeIndexAlert(rule({ condition: "above", threshold: 900.01 }), state).fires).toBe(false);
  });

  it("measures drawdown from the higher of the stored peak and the live level", () => {
    // 900 / 1200 − 1 = −25%.
    const at25 = observeIndexAlert(rule({ kind: "drawdown", threshold: 0.25 }), state);
    expect(at25.value).toBeCloseTo(-0.25, 12);
    expect(at25.fires).toBe(true);
    expect(observeIndexAlert(rule({ kind: "drawdown", threshold: 0.26 }), state).fires).toBe(false);
    expect(observeIndexAlert(rule({ kind: "drawdown", threshold: 0.01 }), { ...state, level: 1300 })).toEqual({
      value: 0,
      fires: false,
    });
  });

  it("measures weight drift in either direction, zero for a symbol the index does not hold", () => {
    // A: 0.7 − 0.6 = +0.1; B: 0.3 − 0.4 = −0.1.
    const a = observeIndexAlert(rule({ kind: "weight_drift", symbol: "A", threshold: 0.1 }), state);
    expect(a.value).toBeCloseTo(0.1, 12);
    expect(observeIndexAlert(rule({ kind: "weight_drift", symbol: "B", threshold: 0.099 }), state).fires).toBe(true);
    expect(observeIndexAlert(rule({ kind: "weight_drift", symbol: "B", threshold: 0.11 }), state).fires).toBe(false);
    expect(observeIndexAlert(rule({ kind: "weight_drift", symbol: "Z", threshold: 0.01 }), state)).toEqual({
      value: 0,
      fires: false,
    });
  });
});

describe("liveWeights", () => {
  it("is each holding's share of units × price, and null when a held symbol is unpriced", () => {
    // 5·120 = 600 and 10·50 = 500 of 1100.
    const w = liveWeights({ A: 5, B: 10, C: 0 }, { A: 120, B: 50 })!;
    expect(w.A).toBeCloseTo(6 / 11, 12);
    expect(w.B).toBeCloseTo(5 / 11, 12);
    expect(w.C).toBe(0);
    expect(liveWeights({ A: 5, B: 10 }, { A: 120 })).toBeNull();
    expect(liveWeights({ A: 0 }, {})).toBeNull();
  });
});

describe("indexAlertMessage", () => {
  it("says each kind in words with the alert's numbers", () => {
    const base = { index_name: "Tech", condition: "above" as const, symbol: null };
    expect(indexAlertMessage({ ...base, kind: "index_level", threshold: 1000, value: 1003.456 })).toBe(
      '"Tech" rose to 1003.46, crossing your alert above 1000.00.',
    );
    expect(indexAlertMessage({ ...base, kind: "drawdown", threshold: 0.1, value: -0.1234 })).toBe(
      '"Tech" is 12.3% below its peak, past your drawdown alert at 10.0%.',
    );
    expect(
      indexAlertMessage({
        ...base,
        kind: "weight_drift",
        symbol: "B",
        threshold: 0.05,
        value: -0.06,
        weight: 0.14,
        target: 0.2,
      }),
    ).toBe('B is 14.0% of "Tech" against a target of 20.0%: 6.0 points below, past your drift alert at 5.0 points.');
  });
});
