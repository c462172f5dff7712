import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { capsProblem, capWeightArray, capWeights, rawWeights, weighConstituents } from "../../src/domain/weighting";

/** The textbook procedure the spec describes, written independently: cap, hand the excess out pro rata, repeat. */
function iterativeMaxCap(raw: number[], max: number): number[] {
  const total = raw.reduce((a, b) => a + b, 0);
  const w = raw.map((x) => x / total);
  const capped = new Set<number>();
  for (let round = 0; round < raw.length + 1; round++) {
    const over = w.findIndex((x, i) => !capped.has(i) && x > max + 1e-15);
    if (over === -1) break;
    let excess = 0;
    w.forEach((x, i) => {
      if (!capped.has(i) && x > max) {
        excess += x - max;
        w[i] = max;
        capped.add(i);
      }
    });
    const freeTotal = w.reduce((a, x, i) => (capped.has(i) ? a : a + x), 0);
    w.forEach((x, i) => {
      if (!capped.has(i)) w[i] = x + (excess * x) / freeTotal;
    });
  }
  return w;
}

describe("raw weights", () => {
  it("gives every constituent 1/n under equal weighting", () => {
    const r = rawWeights("equal", { symbols: ["A", "B", "C", "D"] });
    expect(r).toEqual({ ok: true, value: { A: 0.25, B: 0.25, C: 0.25, D: 0.25 } });
  });

  it("weights by market cap share", () => {
    // caps 300, 100, 100 → total 500 → 0.6, 0.2, 0.2
    const r = rawWeights("market_cap", { symbols: ["A", "B", "C"], marketCaps: { A: 300, B: 100, C: 100 } });
    expect(r.ok && r.value).toEqual({ A: 0.6, B: 0.2, C: 0.2 });
  });

  it("weights by price like the Dow", () => {
    // prices 50, 150 → 0.25, 0.75
    const r = rawWeights("price", { symbols: ["A", "B"], prices: { A: 50, B: 150 } });
    expect(r.ok && r.value).toEqual({ A: 0.25, B: 0.75 });
  });

  it("normalises custom weights that do not sum to 1", () => {
    // 2 : 1 : 1 → 0.5, 0.25, 0.25
    const r = rawWeights("custom", { symbols: ["A", "B", "C"], customWeights: { A: 2, B: 1, C: 1 } });
    expect(r.ok && r.value).toEqual({ A: 0.5, B: 0.25, C: 0.25 });
  });

  it.each([
    [{ A: -0.1, B: 1.1 }, "invalid_weight"],
    [{ A: Number.NaN, B: 1 }, "invalid_weight"],
    [{ A: Number.POSITIVE_INFINITY, B: 1 }, "invalid_weight"],
    [{ A: 0, B: 0 }, "zero_total"],
    [{ A: 1 }, "missing_input"],
    [{ A: 0.5, B: 0.3, Z: 0.2 }, "unknown_constituent"],
  ])("rejects custom weights %j with %s", (customWeights, reason) => {
    const r = rawWeights("custom", { symbols: ["A", "B"], customWeights });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it("needs a market cap for every constituent", () => {
    const r = rawWeights("market_cap", { symbols: ["A", "B"], marketCaps: { A: 1 } });
    expect(!r.ok && r.reason).toBe("missing_input");
    expect(!rawWeights("market_cap", { symbols: ["A"] }).ok).toBe(true);
  });

  it("refuses an empty or duplicated constituent list", () => {
    expect(rawWeights("equal", { symbols: [] })).toMatchObject({ ok: false, reason: "no_constituents" });
    expect(rawWeights("equal", { symbols: ["A", "A"] })).toMatchObject({ ok: false, reason: "duplicate_constituent" });
  });
});

describe("capping", () => {
  it("caps the heavyweight and redistributes its excess pro rata, repeating until all hold", () => {
    // raw 0.5, 0.3, 0.1, 0.1 with max 0.35:
    // round 1: A capped at 0.35, excess 0.15 shared 3:1:1 over 0.5 → B 0.3+0.09=0.39, C,D 0.1+0.03=0.13
    // round 2: B 0.39 > 0.35 → capped, excess 0.04 shared 1:1 → C, D = 0.15
    const r = capWeights({ A: 0.5, B: 0.3, C: 0.1, D: 0.1 }, { maxWeight: 0.35 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.A).toBeCloseTo(0.35, 12);
    expect(r.value.B).toBeCloseTo(0.35, 12);
    expect(r.value.C).toBeCloseTo(0.15, 12);
    expect(r.value.D).toBeCloseTo(0.15, 12);
  });

  it("raises below-min weights by taking pro rata from the others", () => {
    // raw 0.7, 0.2, 0.1 with min 0.15: C raised by 0.05, taken 0.7:0.2 from A,B over 0.9
    // A = 0.7 − 0.05·7/9 = 0.661111…, B = 0.2 − 0.05·2/9 = 0.188888…
    const r = capWeights({ A: 0.7, B: 0.2, C: 0.1 }, { minWeight: 0.15 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.C).toBeCloseTo(0.15, 12);
    expect(r.value.A).toBeCloseTo(0.7 - (0.05 * 7) / 9, 12);
    expect(r.value.B).toBeCloseTo(0.2 - (0.05 * 2) / 9, 12);
  });

  it("settles both bounds together when capping one pushes another under the floor", () => {
    // raw 0.9, 0.09, 0.01, max 0.5, min 0.3: A at 0.5 and C at 0.3 leave B 0.2 < 0.3, so A must give:
    // the only answer is B = C = 0.3 and A = 0.4 (λ·0.9 = 0.4 lies inside the bounds)
    const r = capWeights({ A: 0.9, B: 0.09, C: 0.01 }, { maxWeight: 0.5, minWeight: 0.3 });
    expect(r.ok && r.value).toEqual({
      A: expect.closeTo(0.4, 12),
      B: expect.closeTo(0.3, 12),
      C: expect.closeTo(0.3, 12),
    });
  });

  it("leaves weights that already hold untouched", () => {
    const r = capWeights({ A: 0.3, B: 0.3, C: 0.4 }, { maxWeight: 0.4, minWeight: 0.1 });
    expect(r.ok && r.value).toEqual({
      A: expect.closeTo(0.3, 14),
      B: expect.closeTo(0.3, 14),
      C: expect.closeTo(0.4, 14),
    });
  });

  it("gives everyone 1/n when max_weight × n = 1 exactly", () => {
    const r = capWeights({ A: 0.7, B: 0.2, C: 0.05, D: 0.05 }, { maxWeight: 0.25 });
    expect(r.ok && r.value).toEqual({ A: 0.25, B: 0.25, C: 0.25, D: 0.25 });
  });

  it("shares what capped names cannot hold equally among zero-weight names", () => {
    // A capped at 0.5 and it is the only positive raw weight: pro rata gives B and C nothing, so 0.25 each
    const r = capWeights({ A: 1, B: 0, C: 0 }, { maxWeight: 0.5 });
    expect(r.ok && r.value).toEqual({ A: 0.5, B: 0.25, C: 0.25 });
  });

  it.each([
    [{ maxWeight: 0.2 }, "max_weight_infeasible"], // 0.2 × 4 = 0.8 < 1
    [{ minWeight: 0.3 }, "min_weight_infeasible"], // 0.3 × 4 = 1.2 > 1
    [{ maxWeight: 0.3, minWeight: 0.4 }, "min_above_max"],
    [{ maxWeight: 0 }, "invalid_cap"],
    [{ maxWeight: 1.5 }, "invalid_cap"],
    [{ minWeight: -0.1 }, "invalid_cap"],
    [{ maxWeight: Number.NaN }, "invalid_cap"],
  ])("refuses impossible caps %j with %s", (caps, reason) => {
    const r = capWeights({ A: 0.25, B: 0.25, C: 0.25, D: 0.25 }, caps);
    expect(r).toMatchObject({ ok: false, reason });
    expect(capsProblem(4, caps)?.reason).toBe(reason);
  });

  it("rejects negative or NaN weights before capping", () => {
    expect(capWeights({ A: -1, B: 2 }, {})).toMatchObject({ ok: false, reason: "invalid_weight" });
    expect(capWeights({ A: Number.NaN, B: 2 }, {})).toMatchObject({ ok: false, reason: "invalid_weight" });
    expect(capWeights({}, {})).toMatchObject({ ok: false, reason: "no_constituents" });
  });

  it("records weights before and after capping", () => {
    const r = weighConstituents("market_cap", { symbols: ["A", "B"], marketCaps: { A: 3, B: 1 } }, { maxWeight: 0.6 });
    expect(r.ok && r.value).toEqual({ before: { A: 0.75, B: 0.25 }, after: { A: 0.6, B: expect.closeTo(0.4, 14) } });
  });

  it("throws when the kernel is handed infeasible caps (callers check first)", () => {
    expect(() => capWeightArray([1, 1, 1], 0.2)).toThrow(RangeError);
    expect(() => capWeightArray([0, 0], 1)).toThrow(RangeError);
  });
});

describe("capping properties", () => {
  // Caps, prices and weights are 0 or ordinary magnitudes; subnormal floats are not inputs this takes.
  const rawArb = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-9, max: 1e6, noNaN: true })), {
    minLength: 1,
    maxLength: 40,
  });

  it("always sums to 1 and respects both bounds when they are feasible", () => {
    fc.assert(
      fc.property(
        rawArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (raw, a, b) => {
          fc.pre(raw.reduce((x, y) => x + y, 0) > 0);
          const n = raw.length;
          // draw a feasible pair: max in [1/n, 1], min in [0, min(max, 1/n)]
          const max = 1 / n + a * (1 - 1 / n);
          const min = b * Math.min(max, 1 / n);
          const w = capWeightArray(raw, max, min);
          const sum = w.reduce((x, y) => x + y, 0);
          expect(sum).toBeCloseTo(1, 9);
          for (const x of w) {
            expect(x).toBeLessThanOrEqual(max + 1e-12);
            expect(x).toBeGreaterThanOrEqual(min - 1e-12);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps uncapped weights in their raw proportions", () => {
    fc.assert(
      fc.property(rawArb, fc.double({ min: 0, max: 1, noNaN: true }), (raw, a) => {
        fc.pre(raw.filter((x) => x > 1e-6).length >= 2);
        const n = raw.length;
        const max = 1 / n + a * (1 - 1 / n);
        fc.pre(max * n > 1 + 1e-6); // within 1e-9 of max·n = 1 the answer is 1/n by design
        const w = capWeightArray(raw, max, 0);
        const free = Array.from(w)
          .map((x, i) => [x, raw[i] as number])
          .filter(([x, r]) => (x as number) < max - 1e-12 && (r as number) > 1e-6);
        if (free.length < 2) return;
        const ratio = (free[0]?.[0] as number) / (free[0]?.[1] as number);
        for (const [x, r] of free) expect((x as number) / (r as number)).toBeCloseTo(ratio, 6);
      }),
      { numRuns: 300 },
    );
  });

  it("matches the iterative cap-and-redistribute procedure for max caps", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 100, noNaN: true }), { minLength: 2, maxLength: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (raw, a) => {
          const n = raw.length;
          const max = 1 / n + a * (1 - 1 / n);
          fc.pre(max * n > 1 + 1e-6);
          const ours = capWeightArray(raw, max, 0);
          const theirs = iterativeMaxCap(raw, max);
          ours.forEach((x, i) => {
            expect(x).toBeCloseTo(theirs[i] as number, 9);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
