import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adjustmentSegments } from "../../src/domain/adjustment-factors";
import {
  allocationOn,
  computeIndex,
  computeIndexFromMatrix,
  type IndexBuild,
  type IndexInput,
  liveIndexValue,
  priceFactorSchedule,
} from "../../src/domain/index-levels";
import { buildPriceMatrix, type PricePoint } from "../../src/domain/price-matrix";
import { randomWalk, seededRandom, series, weekdays } from "./market-fixtures";

const base = { weighting: "equal", rebalance: "none", baseDate: "2024-01-30", baseValue: 100 } as const;

function build(input: IndexInput): IndexBuild {
  const r = computeIndex(input);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.value;
}

describe("index levels", () => {
  it("starts at the base value and follows Σ units × close between rebalances", () => {
    // units: A 50/10 = 5, B 50/20 = 2.5 → day 2: 5·11 + 2.5·20 = 105; day 3: 5·12 + 2.5·30 = 135
    const b = build({
      ...base,
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 11, "2024-02-01": 12 }),
        B: series({ "2024-01-30": 20, "2024-01-31": 20, "2024-02-01": 30 }),
      },
    });
    expect(b.levels.map((l) => l.value)).toEqual([100, 105, 135]);
    expect(b.levels[0]?.daily_return).toBeNull();
    expect(b.levels[1]?.daily_return).toBeCloseTo(0.05, 14);
    expect(b.levels[2]?.daily_return).toBeCloseTo(135 / 105 - 1, 14);
    expect(b.allocations).toEqual([
      { rebalance_date: "2024-01-30", weights: { A: 0.5, B: 0.5 }, shares: { A: 5, B: 2.5 } },
    ]);
    expect(b.rebalances[0]).toMatchObject({ date: "2024-01-30", turnover: 1, joined: ["A", "B"], left: [] });
  });

  it("resets to target weights on the first session of each month without a jump", () => {
    // Jan 30: units 5 and 5. Jan 31: 5·20 + 5·10 = 150. Feb 1 rebalance at 150: A 75/20 = 3.75, B 75/10 = 7.5
    // drifted weights 100/150 and 50/150 → turnover ½(|½−⅔| + |½−⅓|) = 1/6. Feb 2: 3.75·10 + 7.5·10 = 112.5
    const b = build({
      ...base,
      rebalance: "monthly",
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 20, "2024-02-01": 20, "2024-02-02": 10 }),
        B: series({ "2024-01-30": 10, "2024-01-31": 10, "2024-02-01": 10, "2024-02-02": 10 }),
      },
    });
    expect(b.levels.map((l) => l.value)).toEqual([100, 150, 150, 112.5]);
    expect(b.rebalances.map((r) => r.date)).toEqual(["2024-01-30", "2024-02-01"]);
    expect(b.rebalances[1]?.turnover).toBeCloseTo(1 / 6, 14);
    expect(b.allocations[1]?.shares).toEqual({ A: 3.75, B: 7.5 });
    expect(allocationOn(b.allocations, "2024-01-31")?.rebalance_date).toBe("2024-01-30");
    expect(allocationOn(b.allocations, "2024-02-02")?.rebalance_date).toBe("2024-02-01");
    expect(allocationOn(b.allocations, "2024-01-01")).toBeNull();
  });

  it("carries a constituent's last close over a day it did not trade", () => {
    // B has no bar on Jan 31: it is valued at 20 → 5·11 + 2.5·20 = 105
    const b = build({
      ...base,
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 11, "2024-02-01": 12 }),
        B: series({ "2024-01-30": 20, "2024-02-01": 30 }),
      },
    });
    expect(b.levels.map((l) => l.value)).toEqual([100, 105, 135]);
  });

  it("carries a close from before the base date into the first session", () => {
    // B last traded Jan 29 at 20 and has no Jan 30 bar: it is bought at 20
    const b = build({
      ...base,
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 11 }),
        B: series({ "2024-01-29": 20, "2024-01-31": 22 }),
      },
    });
    expect(b.allocations[0]?.shares).toEqual({ A: 5, B: 2.5 });
    expect(b.levels.map((l) => l.value)).toEqual([100, 5 * 11 + 2.5 * 22]);
  });

  it("adds a newly listed constituent at the next rebalance, not before", () => {
    // C lists Jan 31. Until Feb 1 the index is A and B only; on Feb 1 (value 100·(½·12/10 + ½·1) = 110)
    // each of three gets 110/3
    const b = build({
      ...base,
      rebalance: "monthly",
      constituents: ["A", "B", "C"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 12, "2024-02-01": 12, "2024-02-02": 12 }),
        B: series({ "2024-01-30": 10, "2024-01-31": 10, "2024-02-01": 10, "2024-02-02": 10 }),
        C: series({ "2024-01-31": 50, "2024-02-01": 50, "2024-02-02": 100 }),
      },
    });
    expect(Object.keys(b.allocations[0]?.weights ?? {})).toEqual(["A", "B"]);
    expect(b.levels[1]?.value).toBe(110);
    expect(b.rebalances[1]?.joined).toEqual(["C"]);
    expect(b.allocations[1]?.shares.C).toBeCloseTo(110 / 3 / 50, 12);
    // Feb 2: C doubles → 110/3·(1 + 1 + 2) = 146.666…
    expect(b.levels[3]?.value).toBeCloseTo((110 / 3) * 4, 10);
    expect(b.excluded).toEqual([]);
  });

  it("holds a delisted constituent at its last close, then drops it at the next rebalance", () => {
    // B's series stops on Jan 31 at 5 (the calendar goes on): Feb 1 still values it at 5, and at the Feb 1
    // rebalance its value moves to A (and C, listed all along).
    // Jan 30: units A 50/10 = 5, B 50/10 = 5. Jan 31: 5·10 + 5·5 = 75; Feb 1 rebalance at 75 → A alone 7.5 units
    const b = build({
      ...base,
      rebalance: "monthly",
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 10, "2024-02-01": 10, "2024-02-02": 20 }),
        B: series({ "2024-01-30": 10, "2024-01-31": 5 }),
      },
    });
    expect(b.levels.map((l) => l.value)).toEqual([100, 75, 75, 150]);
    expect(b.rebalances[1]).toMatchObject({ left: ["B"], weights_after: { A: 1 } });
    // drifted weights ⅔ (A) and ⅓ (B) → new 1 and 0: ½(⅓ + ⅓) = ⅓
    expect(b.rebalances[1]?.turnover).toBeCloseTo(1 / 3, 14);
  });

  it("does not buy a constituent on its own last day", () => {
    // B's final bar is the Feb 1 rebalance day: it leaves at that close rather than being bought then frozen
    const b = build({
      ...base,
      rebalance: "monthly",
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 10, "2024-02-01": 10, "2024-02-02": 10 }),
        B: series({ "2024-01-30": 10, "2024-01-31": 10, "2024-02-01": 10 }),
      },
    });
    expect(b.rebalances[1]?.left).toEqual(["B"]);
    expect(b.allocations[1]?.weights).toEqual({ A: 1 });
  });

  it("names the constituents that never made it in, and why", () => {
    const b = build({
      ...base,
      rebalance: "none",
      constituents: ["A", "GONE", "NONE", "LATE"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 10 }),
        GONE: series({ "2023-06-01": 10 }),
        LATE: series({ "2024-01-31": 10 }),
      },
    });
    expect(b.excluded).toEqual([
      { symbol: "GONE", reason: "delisted_before_base" },
      { symbol: "NONE", reason: "no_prices" },
      { symbol: "LATE", reason: "not_listed_on_a_rebalance_date" },
    ]);
  });

  it("weights by market cap with caps moving with the price, so a cap-weighted index has no drift turnover", () => {
    // Caps 1000 at close 10 (100 shares) and 1000 at close 20 (50 shares) → ½ each on Jan 30.
    // Feb 1: closes 20 and 20 → caps 2000 and 1000 → ⅔, ⅓ = exactly the drifted weights → turnover 0
    const b = build({
      ...base,
      weighting: "market_cap",
      rebalance: "monthly",
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 15, "2024-02-01": 20 }),
        B: series({ "2024-01-30": 20, "2024-01-31": 20, "2024-02-01": 20 }),
      },
      marketCaps: { A: [{ date: "2024-01-30", value: 1000 }], B: [{ date: "2023-01-01", value: 1000 }] },
    });
    // B's cap observation predates its prices: its close on/after (20) implies 50 shares
    expect(b.rebalances[0]?.weights_after).toEqual({ A: 0.5, B: 0.5 });
    expect(b.rebalances[1]?.weights_after.A).toBeCloseTo(2 / 3, 14);
    expect(b.rebalances[1]?.turnover).toBeCloseTo(0, 14);
  });

  it("takes the share count in force at each rebalance from a schedule of several observations", () => {
    // A: 1000 at close 10 on Jan 30 → 100 shares; 3000 at 20 on Feb 1 → 150; 2000 at 20 on Feb 15 → 100;
    // 1000 at 20 on Mar 1 → 50. B: 50 shares throughout (1000 at 20). Caps at each rebalance:
    // Jan 30 A 1000, B 1000 → ½ ½; Feb 1 A 3000, B 1000 → ¾ ¼; Mar 1 (Feb 15 passed over) A 1000, B 1000 → ½ ½.
    const b = build({
      ...base,
      weighting: "market_cap",
      rebalance: "monthly",
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 15, "2024-02-01": 20, "2024-03-01": 20 }),
        B: series({ "2024-01-30": 20, "2024-01-31": 20, "2024-02-01": 20, "2024-03-01": 20 }),
      },
      marketCaps: {
        A: [
          { date: "2024-01-30", value: 1000 },
          { date: "2024-02-01", value: 3000 },
          { date: "2024-02-15", value: 2000 },
          { date: "2024-03-01", value: 1000 },
        ],
        B: [{ date: "2024-01-30", value: 1000 }],
      },
    });
    expect(b.rebalances.map((r) => r.date)).toEqual(["2024-01-30", "2024-02-01", "2024-03-01"]);
    expect(b.rebalances.map((r) => r.weights_before)).toEqual([
      { A: 0.5, B: 0.5 },
      { A: 0.75, B: 0.25 },
      { A: 0.5, B: 0.5 },
    ]);
  });

  it("holds each rebalance as matrix columns with the same numbers as its keyed records, which act as plain data", () => {
    // The first example: units A 50/10 = 5, B 50/20 = 2.5, equal weights before and after.
    const b = build({
      ...base,
      constituents: ["A", "B"],
      prices: { A: series({ "2024-01-30": 10 }), B: series({ "2024-01-30": 20 }) },
    });
    const h = b.holdings[0];
    expect(h?.symbols).toEqual(["A", "B"]);
    expect([...(h?.columns ?? [])]).toEqual([0, 1]);
    expect([...(h?.before ?? [])]).toEqual([0.5, 0.5]);
    expect([...(h?.after ?? [])]).toEqual([0.5, 0.5]);
    expect([...(h?.units ?? [])]).toEqual([5, 2.5]);
    const a = b.allocations[0] as IndexBuild["allocations"][number];
    expect(JSON.parse(JSON.stringify(a))).toEqual({
      rebalance_date: "2024-01-30",
      weights: { A: 0.5, B: 0.5 },
      shares: { A: 5, B: 2.5 },
    });
    expect(a.weights).toBe(a.weights); // made once, then the same object
    const copy = { ...a };
    expect(copy.shares).toEqual({ A: 5, B: 2.5 });
    a.weights = { A: 1 };
    expect(a.weights).toEqual({ A: 1 });
    expect(Object.keys(b.rebalances[0] ?? {})).toEqual([
      "date",
      "weights_before",
      "weights_after",
      "turnover",
      "joined",
      "left",
      "caps_relaxed",
    ]);
  });

  it("caps market-cap weights and records the weights before and after capping", () => {
    // caps 800, 100, 100 → raw 0.8, 0.1, 0.1; max 0.5 → 0.5, 0.25, 0.25
    const prices = {
      A: series({ "2024-01-30": 8 }),
      B: series({ "2024-01-30": 1 }),
      C: series({ "2024-01-30": 1 }),
    };
    const b = build({
      ...base,
      weighting: "price",
      maxWeight: 0.5,
      constituents: ["A", "B", "C"],
      prices,
    });
    expect(b.rebalances[0]?.weights_before).toEqual({ A: 0.8, B: 0.1, C: 0.1 });
    expect(b.rebalances[0]?.weights_after).toEqual({ A: 0.5, B: 0.25, C: 0.25 });
    expect(b.rebalances[0]?.caps_relaxed).toBe(false);
  });

  it("widens caps to 1/n when delistings leave too few constituents for them to hold", () => {
    const b = build({
      ...base,
      rebalance: "monthly",
      maxWeight: 0.4,
      constituents: ["A", "B", "C"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-02-01": 10, "2024-02-02": 10 }),
        B: series({ "2024-01-30": 10, "2024-02-01": 10, "2024-02-02": 10 }),
        C: series({ "2024-01-30": 10, "2024-01-31": 10 }),
      },
    });
    expect(b.rebalances[0]).toMatchObject({ caps_relaxed: false });
    expect(b.rebalances[1]).toMatchObject({ weights_after: { A: 0.5, B: 0.5 }, caps_relaxed: true, left: ["C"] });
  });

  it("uses custom weights renormalised over the eligible constituents", () => {
    // C is not listed at the base date: A and B split 0.6 : 0.2 → 0.75, 0.25
    const b = build({
      ...base,
      weighting: "custom",
      customWeights: { A: 0.6, B: 0.2, C: 0.2 },
      constituents: ["A", "B", "C"],
      prices: {
        A: series({ "2024-01-30": 10, "2024-01-31": 10 }),
        B: series({ "2024-01-30": 10, "2024-01-31": 10 }),
        C: series({ "2024-01-31": 10 }),
      },
    });
    expect(b.rebalances[0]?.weights_after).toEqual({ A: expect.closeTo(0.75, 14), B: expect.closeTo(0.25, 14) });
  });

  it("starts on the first session after a base date that did not trade", () => {
    const b = build({
      ...base,
      baseDate: "2024-01-27",
      constituents: ["A"],
      prices: { A: series({ "2024-01-26": 9, "2024-01-29": 10 }) },
    });
    expect(b.levels).toEqual([{ date: "2024-01-29", value: 100, daily_return: null }]);
  });

  it.each([
    [{ constituents: [] }, "no_constituents"],
    [{ baseValue: 0 }, "invalid_base_value"],
    [{ maxWeight: 0.2 }, "infeasible_caps"],
    [{ weighting: "custom", customWeights: { A: -1 } }, "invalid_custom_weights"],
    [{ baseDate: "2030-01-01" }, "no_prices"],
  ] as const)("refuses %j with %s", (change, reason) => {
    const r = computeIndex({ ...base, constituents: ["A"], prices: { A: series({ "2024-01-30": 10 }) }, ...change });
    expect(r).toMatchObject({ ok: false, reason });
  });
});

describe("price weighting reads the close quoted on the rebalance date", () => {
  // A splits 2:1 on 2024-01-31, between the Jan 30 and Feb 1 rebalances. Quoted closes:
  //   A 100 | 51 52 50 (post-split), B 50 50 55 55, C 50 50 45 45.
  // CRSP adjusted A (factor 0.5 before Jan 31): 50, 51, 52, 50.
  const split = adjustmentSegments([{ date: "2024-01-31", ratio: 2 }], []);
  const rules = { ...base, weighting: "price", rebalance: "monthly", constituents: ["A", "B", "C"] } as const;
  const prices = {
    A: series({ "2024-01-30": 50, "2024-01-31": 51, "2024-02-01": 52, "2024-02-02": 50 }),
    B: series({ "2024-01-30": 50, "2024-01-31": 50, "2024-02-01": 55, "2024-02-02": 55 }),
    C: series({ "2024-01-30": 50, "2024-01-31": 50, "2024-02-01": 45, "2024-02-02": 45 }),
  };

  it("weighs by quoted closes (100 : 50 : 50), not adjusted ones (50 : 50 : 50), and chains on adjusted closes", () => {
    const b = build({ ...rules, prices, adjustments: { A: split } });
    expect(b.rebalances.map((r) => r.date)).toEqual(["2024-01-30", "2024-02-01"]);
    expect(b.rebalances[0]?.weights_before).toEqual({ A: 0.5, B: 0.25, C: 0.25 });
    expect(b.rebalances[0]?.weights_after).toEqual({ A: 0.5, B: 0.25, C: 0.25 });
    // units = w × 100 / adjusted close: A 50/50 = 1, B 25/50 = 0.5, C 25/50 = 0.5
    expect(b.allocations[0]?.shares).toEqual({ A: 1, B: 0.5, C: 0.5 });
    // Feb 1, after the split: quoted = adjusted, 52 : 55 : 45 of 152
    const feb = b.rebalances[1]?.weights_before ?? {};
    expect(feb.A).toBeCloseTo(52 / 152, 14);
    expect(feb.B).toBeCloseTo(55 / 152, 14);
    expect(feb.C).toBeCloseTo(45 / 152, 14);
    // Jan 31: 1·51 + 0.5·50 + 0.5·50 = 101; Feb 1: 1·52 + 0.5·55 + 0.5·45 = 102, rebalanced at 102 into
    // 102/152 units of each (a price weighting holds equal units); Feb 2: 102/152 × (50 + 55 + 45).
    const levels = b.levels.map((l) => l.value);
    expect(levels.slice(0, 3)).toEqual([100, 101, 102]);
    expect(levels[3]).toBeCloseTo((102 / 152) * 150, 12);
    for (const u of Object.values(b.allocations[1]?.shares ?? {})) expect(u).toBeCloseTo(102 / 152, 14);
  });

  it("sets the same first weights whether or not the later split is in the data yet", () => {
    const early = build({
      ...rules,
      prices: {
        A: series({ "2024-01-30": 100 }),
        B: series({ "2024-01-30": 50 }),
        C: series({ "2024-01-30": 50 }),
      },
    });
    const later = build({ ...rules, prices, adjustments: { A: split } });
    expect(early.rebalances[0]?.weights_before).toEqual({ A: 0.5, B: 0.25, C: 0.25 });
    expect(later.rebalances[0]?.weights_before).toEqual(early.rebalances[0]?.weights_before);
    expect(later.levels[0]).toEqual(early.levels[0]);
  });

  it("a close carried over a split it did not trade on is its last quoted close", () => {
    // A trades Jan 30 at 100, not again until Feb 2 (51, after its 2:1 split of Jan 31): adjusted 50, then 51.
    // At the Feb 1 rebalance A carries its Jan 30 close, quoted 100 (not 50): weights 100 : 100.
    const b = build({
      ...rules,
      constituents: ["A", "B"],
      prices: {
        A: series({ "2024-01-30": 50, "2024-02-02": 51 }),
        B: series({ "2024-01-30": 100, "2024-01-31": 100, "2024-02-01": 100, "2024-02-02": 100 }),
      },
      adjustments: { A: split },
    });
    expect(b.rebalances.map((r) => r.weights_before)).toEqual([
      { A: 0.5, B: 0.5 },
      { A: 0.5, B: 0.5 },
    ]);
    // units at 100: A 50/50 = 1, B 50/100 = 0.5 → 100, 100, 100 (rebalanced into the same units), then 51 + 50
    expect(b.levels.map((l) => l.value)).toEqual([100, 100, 100, 101]);
  });

  it("other weightings ignore the adjustments", () => {
    for (const weighting of ["equal", "custom"] as const) {
      const input = { ...rules, weighting, customWeights: { A: 0.2, B: 0.3, C: 0.5 }, prices };
      expect(build({ ...input, adjustments: { A: split } })).toEqual(build(input));
    }
  });

  it("dates the factor schedule by the symbol's own bars", () => {
    expect(priceFactorSchedule(split, series({ "2024-01-29": 1, "2024-01-30": 1, "2024-02-02": 1 }))).toEqual([
      { date: "2024-01-29", factor: 0.5 },
      { date: "2024-02-02", factor: 1 },
    ]);
    expect(priceFactorSchedule(split, series({ "2024-02-01": 1 }))).toBeNull(); // nothing adjusts these bars
    expect(priceFactorSchedule([], series({ "2024-02-01": 1 }))).toBeNull();
    expect(priceFactorSchedule(split, [])).toBeNull();
  });
});

describe("index properties", () => {
  it("never jumps at a rebalance: new units at that day's closes are worth the level just before", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom("equal", "price", "market_cap", "custom"),
        fc.constantFrom("monthly", "quarterly"),
        (seed, count, weighting, rebalance) => {
          const rand = seededRandom(seed);
          const dates = weekdays("2023-01-02", 160);
          const symbols = Array.from({ length: count }, (_, i) => `S${i}`);
          const prices: Record<string, PricePoint[]> = {};
          for (const s of symbols) {
            // random listing, delisting and missing days
            const from = Math.floor(rand() * 80);
            const to = rand() < 0.3 ? from + Math.floor(rand() * 80) : dates.length;
            prices[s] = randomWalk(dates.slice(from, to), rand, 5 + rand() * 200).filter(() => rand() > 0.05);
          }
          const r = computeIndex({
            constituents: symbols,
            prices,
            weighting,
            customWeights: Object.fromEntries(symbols.map((s) => [s, rand()])),
            marketCaps: Object.fromEntries(
              symbols.map((s) => [s, [{ date: "2023-03-01", value: 1e9 * (1 + rand()) }]]),
            ),
            maxWeight: Math.max(1 / count, 0.3),
            rebalance,
            baseDate: "2023-01-02",
            baseValue: 1000,
          });
          if (!r.ok) return; // e.g. nobody listed on the base date
          const matrix = buildPriceMatrix(prices, symbols, { start: "2023-01-02" });
          const dayOf = new Map(matrix.dates.map((d, i) => [d, i]));
          for (const a of r.value.allocations) {
            const t = dayOf.get(a.rebalance_date) as number;
            let after = 0;
            for (const [s, u] of Object.entries(a.shares))
              after += u * (matrix.closes[t * symbols.length + symbols.indexOf(s)] as number);
            expect(after).toBeCloseTo(r.value.levels[t]?.value as number, 8);
            const sum = Object.values(a.weights).reduce((x, y) => x + y, 0);
            expect(sum).toBeCloseTo(1, 12);
          }
          for (const l of r.value.levels) expect(Number.isFinite(l.value) && l.value > 0).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("live level", () => {
  it("values the current allocation at the latest quotes, falling back to the last close", () => {
    const live = liveIndexValue({ shares: { A: 2, B: 3, C: 1 } }, { A: 10, B: 20 }, { B: 99, C: 5 });
    expect(live).toEqual({ value: 2 * 10 + 3 * 20 + 5, missing: [] });
    expect(liveIndexValue({ shares: { A: 1 } }, {}).missing).toEqual(["A"]);
  });
});

describe("engine speed", () => {
  it("computes 500 constituents × 2520 days with monthly rebalancing (timing logged)", () => {
    const rand = seededRandom(42);
    const dates = weekdays("2014-01-01", 2520);
    const symbols = Array.from({ length: 500 }, (_, i) => `S${i}`);
    const prices = Object.fromEntries(symbols.map((s) => [s, randomWalk(dates, rand, 20 + rand() * 300)]));
    const marketCaps = Object.fromEntries(
      symbols.map((s) => [s, [{ date: dates[0] as string, value: 1e9 * (1 + 50 * rand()) }]]),
    );
    const rules = {
      weighting: "market_cap",
      maxWeight: 0.05,
      rebalance: "monthly",
      baseDate: dates[0] as string,
      baseValue: 1000,
    } as const;
    const timings: string[] = [];
    let full = computeIndex({ ...rules, constituents: symbols, prices, marketCaps });
    let kernel = full;
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const matrix = buildPriceMatrix(prices, symbols, { start: rules.baseDate });
      const t1 = performance.now();
      full = computeIndex({ ...rules, constituents: symbols, prices, marketCaps });
      const t2 = performance.now();
      kernel = computeIndexFromMatrix({ ...rules, weighting: "equal", matrix });
      const t3 = performance.now();
      timings.push(
        `run ${run}: matrix ${t1 - t0} ms, full market-cap build ${t2 - t1} ms, equal-weight kernel ${t3 - t2} ms`,
      );
    }
    console.log(`[engine speed] 500×2520 monthly (the first build above is the cold one)\n${timings.join("\n")}`);
    expect(full.ok && kernel.ok).toBe(true);
    if (full.ok) expect(full.value.rebalances.length).toBe(new Set(dates.map((d) => d.slice(0, 7))).size);
  });
});
