import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { correlationOf, ledoitWolfCovariance, portfolioVariance, sampleCovariance } from "../../src/domain/covariance";
import { factorReturns } from "./portfolio-fixtures";

/**
 * Ledoit-Wolf (2004) written straight from the paper's Lemma 3.2-3.4 definitions, independently of the
 * production code: S with divisor T, m = <S, I>, d² = ‖S − mI‖², b̄² = (1/T²)Σ_k ‖x_k x_k' − S‖², with the
 * paper's normalised Frobenius norm ‖A‖² = tr(AA')/p, and every outer product formed explicitly.
 */
function referenceLedoitWolf(rows: number[][]): { sigma: number[][]; delta: number } {
  const t = rows.length;
  const p = (rows[0] as number[]).length;
  const means = Array.from({ length: p }, (_, i) => rows.reduce((a, r) => a + (r[i] as number), 0) / t);
  const x = rows.map((r) => r.map((v, i) => v - (means[i] as number)));
  const s = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => x.reduce((a, r) => a + (r[i] as number) * (r[j] as number), 0) / t),
  );
  const norm2 = (a: number[][]) => a.flat().reduce((acc, v) => acc + v * v, 0) / p;
  const m = s.reduce((a, r, i) => a + (r[i] as number), 0) / p;
  const d2 = norm2(s.map((r, i) => r.map((v, j) => v - (i === j ? m : 0))));
  let b2bar = 0;
  for (const r of x) {
    const outer = r.map((a, i) => r.map((b, j) => a * b - (s[i]?.[j] as number)));
    b2bar += norm2(outer);
  }
  b2bar /= t * t;
  const b2 = Math.min(b2bar, d2);
  const a2 = d2 - b2;
  return {
    sigma: s.map((r, i) => r.map((v, j) => (b2 / d2) * (i === j ? m : 0) + (a2 / d2) * v)),
    delta: b2 / d2,
  };
}

const rowsOf = (r: { observations: number; assets: number; values: Float64Array }) =>
  Array.from({ length: r.observations }, (_, k) => Array.from(r.values.subarray(k * r.assets, (k + 1) * r.assets)));

describe("sample covariance", () => {
  it("matches the textbook n − 1 estimate on a hand-computed pair", () => {
    // x = [1, 2, 3, 4], y = [2, 4, 5, 9]: deviations (−1.5, −.5, .5, 1.5) and (−3, −1, 0, 4) give var x = 5/3, var y = 26/3, cov = 11/3.
    const cov = sampleCovariance({ observations: 4, assets: 2, values: Float64Array.from([1, 2, 2, 4, 3, 5, 4, 9]) });
    expect(cov.values[0]).toBeCloseTo(5 / 3, 12);
    expect(cov.values[3]).toBeCloseTo(26 / 3, 12);
    expect(cov.values[1]).toBeCloseTo(11 / 3, 12);
    expect(cov.values[2]).toBeCloseTo(11 / 3, 12);
  });

  it("refuses fewer than two observations", () => {
    expect(() => sampleCovariance({ observations: 1, assets: 2, values: new Float64Array(2) })).toThrow(RangeError);
  });
});

describe("Ledoit-Wolf shrinkage", () => {
  it("equals the paper's estimator computed independently, on correlated data", () => {
    for (const [t, p, seed] of [
      [60, 5, 1],
      [30, 12, 2],
      [200, 3, 3],
    ] as const) {
      const r = factorReturns(t, p, seed);
      const ref = referenceLedoitWolf(rowsOf(r));
      const got = ledoitWolfCovariance(r);
      expect(got.shrinkage).toBeCloseTo(ref.delta, 10);
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          expect(got.values[i * p + j]).toBeCloseTo(ref.sigma[i]?.[j] as number, 14);
        }
      }
    }
  });

  it("shrinks harder when there are fewer observations per asset", () => {
    const few = ledoitWolfCovariance(factorReturns(25, 20, 7));
    const many = ledoitWolfCovariance(factorReturns(1000, 20, 7));
    expect(few.shrinkage).toBeGreaterThan(many.shrinkage);
    expect(few.shrinkage).toBeGreaterThan(0);
    expect(few.shrinkage).toBeLessThanOrEqual(1);
  });

  it("is positive definite even with more assets than observations", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 30, maxLength: 30 }),
        (seed, w) => {
          const cov = ledoitWolfCovariance(factorReturns(20, 30, seed));
          if (w.every((x) => x === 0)) return;
          expect(portfolioVariance(cov, w)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("gives correlations in [−1, 1] with a unit diagonal", () => {
    const c = correlationOf(ledoitWolfCovariance(factorReturns(50, 6, 11)));
    for (let i = 0; i < 6; i++) {
      expect(c[i * 6 + i]).toBe(1);
      for (let j = 0; j < 6; j++) expect(Math.abs(c[i * 6 + j] as number)).toBeLessThanOrEqual(1);
    }
  });
});
