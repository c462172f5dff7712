// Binding caps and preview trades on hand-made rebalances (the engine's shape), every figure by hand.
import { describe, expect, it } from "vitest";
import type { Rebalance } from "../../src/domain/index-levels";
import { bindingCaps, previewTrade, previewWeights } from "../../src/domain/rebalance-preview";

const rebalance = (before: Record<string, number>, after: Record<string, number>, extra: Partial<Rebalance> = {}) =>
  ({
    date: "2024-01-02",
    weights_before: before,
    weights_after: after,
    turnover: 1,
    joined: [],
    left: [],
    caps_relaxed: false,
    ...extra,
  }) as Rebalance;

describe("bindingCaps", () => {
  it("names a floor raised by min_weight, and not an uncapped weight that happens to equal the cap", () => {
    const r = rebalance({ A: 0.5, B: 0.48, C: 0.02 }, { A: 0.5, B: 0.45, C: 0.05 });
    expect(bindingCaps(r, { maxWeight: 0.5, minWeight: 0.05 }, true)).toEqual([
      { cap: "min_weight", limit: 0.05, symbols: ["C"] },
    ]);
  });

  it("reports the widened cap 1/n when too few names are eligible", () => {
    const r = rebalance({ A: 0.7, B: 0.3 }, { A: 0.5, B: 0.5 }, { caps_relaxed: true });
    expect(bindingCaps(r, { maxWeight: 0.25 }, true)).toEqual([{ cap: "max_weight", limit: 0.5, symbols: ["A", "B"] }]);
  });

  it("marks capped only the weights held on a binding limit, not those the redistribution raised", () => {
    // Raw 0.6/0.3/0.1 under a 0.4 cap: A → 0.4, its 0.2 pro rata to B (0.45) and C (0.15); B → 0.4, its 0.05 to C.
    const r = rebalance({ A: 0.6, B: 0.3, C: 0.1 }, { A: 0.4, B: 0.4, C: 0.2 });
    expect(previewWeights(r, bindingCaps(r, { maxWeight: 0.4 }, true)).map((w) => [w.symbol, w.capped])).toEqual([
      ["A", true],
      ["B", true],
      ["C", false],
    ]);
    // A floor: C raised to 0.1 by min_weight is capped; A and B, lowered to pay for it, are not.
    const floor = rebalance({ A: 0.5, B: 0.45, C: 0.05 }, { A: 0.4737, B: 0.4263, C: 0.1 });
    expect(previewWeights(floor, bindingCaps(floor, { minWeight: 0.1 }, true)).map((w) => w.capped)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("names a group cap whose sector total sits on it, and a turnover limit after the first rebalance", () => {
    const r = rebalance({ A: 0.4, B: 0.3, C: 0.3 }, { A: 0.2, B: 0.2, C: 0.6 }, { turnover: 0.15 });
    const rules = {
      groupCaps: { Tech: 0.4, Energy: 0.9 },
      sectors: { A: "Tech", B: "Tech", C: "Energy" },
      maxTurnover: 0.15,
    };
    expect(bindingCaps(r, rules, false)).toEqual([
      { cap: "group_cap", limit: 0.4, group: "Tech", symbols: ["A", "B"] },
      { cap: "max_turnover", limit: 0.15, symbols: [] },
    ]);
    expect(bindingCaps(r, rules, true)).toEqual([{ cap: "group_cap", limit: 0.4, group: "Tech", symbols: ["A", "B"] }]);
  });
});

describe("previewTrade and previewWeights", () => {
  it("trades from the weights in force, a leaver sold whole, with the fee on the value traded", () => {
    const r = rebalance(
      { A: 0.5, C: 0.5 },
      { A: 0.5, C: 0.5 },
      { weights_in_force: { A: 0.6, B: 0.4 }, turnover: 0.5 },
    );
    const t = previewTrade(r, 25);
    expect(t.changes).toEqual([
      { symbol: "A", weight_in_force: 0.6, weight: 0.5, change: 0.5 - 0.6 },
      { symbol: "C", weight_in_force: 0, weight: 0.5, change: 0.5 },
      { symbol: "B", weight_in_force: 0.4, weight: 0, change: -0.4 },
    ]);
    expect(t.traded).toBeCloseTo(1, 15); // 0.1 + 0.5 + 0.4
    expect(t.cost).toBeCloseTo(0.0025, 15);
    expect(previewWeights(r, bindingCaps(r, {}, false)).map((w) => w.capped)).toEqual([false, false]);
  });
});
