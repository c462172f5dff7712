import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ledoitWolfCovariance, portfolioVariance } from "../../src/domain/covariance";
import { constrainHeuristic, OPTIMISED_METHODS, optimisedWeights } from "../../src/domain/optimised-weighting";
import {
  constraintsProblem,
  limitTurnover,
  portfolioProjector,
  turnoverBetween,
  uniformConstraints,
} from "../../src/domain/portfolio-constraints";
import { maximiseSharpe, minimiseQuadratic, sharpeOf } from "../../src/domain/portfolio-solver";
import { equalRiskContributionWeights, riskContributions } from "../../src/domain/risk-contributions";
import { capWeightArray } from "../../src/domain/weighting";
import { factorReturns, matrixOf, seeded } from "./portfolio-fixtures";

const sum = (w: ArrayLike<number>) => Array.from(w).reduce((a, b) => a + b, 0);

describe("projection onto the feasible set", () => {
  it("satisfies the obtuse-angle condition of a Euclidean projection against random feasible points", () => {
    const n = 8;
    const constraints = {
      lower: new Float64Array(n).fill(0.02),
      upper: new Float64Array(n).fill(0.3),
      group: Int32Array.from([0, 0, 0, 1, 1, -1, -1, -1]),
      groupCaps: Float64Array.from([0.35, 0.25]),
    };
    const projector = portfolioProjector(constraints);
    const rand = seeded(5);
    for (let round = 0; round < 50; round++) {
      const v = Float64Array.from({ length: n }, () => rand() * 2 - 0.5);
      const p = projector.project(v);
      expect(sum(p)).toBeCloseTo(1, 12);
      for (let i = 0; i < n; i++) {
        expect(p[i]).toBeGreaterThanOrEqual(0.02 - 1e-12);
        expect(p[i]).toBeLessThanOrEqual(0.3 + 1e-12);
      }
      expect((p[0] as number) + (p[1] as number) + (p[2] as number)).toBeLessThanOrEqual(0.35 + 1e-12);
      expect((p[3] as number) + (p[4] as number)).toBeLessThanOrEqual(0.25 + 1e-12);
      for (let k = 0; k < 20; k++) {
        const x = projector.project(Float64Array.from({ length: n }, () => rand()));
        let dot = 0;
        for (let i = 0; i < n; i++)
          dot += ((v[i] as number) - (p[i] as number)) * ((x[i] as number) - (p[i] as number));
        expect(dot).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it("names what makes constraints impossible", () => {
    expect(constraintsProblem(uniformConstraints(3, 0, 0.3))).toMatch(/less than 100%/);
    expect(constraintsProblem(uniformConstraints(3, 0.4, 1))).toMatch(/lower bounds sum/);
    const groups = {
      ...uniformConstraints(4, 0.1, 1),
      group: Int32Array.from([0, 0, 0, -1]),
      groupCaps: Float64Array.from([0.2]),
    };
    expect(constraintsProblem(groups)).toMatch(/exceed the group cap/);
    expect(constraintsProblem(uniformConstraints(4, 0, 0.25))).toBeNull();
  });
});

describe("minimum variance", () => {
  it("matches the two-asset closed form w₁ = (σ₂² − σ₁₂)/(σ₁² + σ₂² − 2σ₁₂)", () => {
    for (const [v1, v2, c] of [
      [0.04, 0.09, 0.012],
      [0.0004, 0.0001, -0.00005],
      [0.01, 0.01, 0.005],
    ] as const) {
      const got = minimiseQuadratic(
        matrixOf([
          [v1, c],
          [c, v2],
        ]),
        null,
        uniformConstraints(2),
      ).weights;
      const expected = (v2 - c) / (v1 + v2 - 2 * c);
      expect(got[0]).toBeCloseTo(expected, 8);
      expect(got[1]).toBeCloseTo(1 - expected, 8);
    }
  });

  it("puts everything on the safer asset when the closed form would short the other", () => {
    // σ₁₂ > σ₁²: the closed form gives w₁ > 1, so long-only lands on the corner.
    const got = minimiseQuadratic(
      matrixOf([
        [0.01, 0.015],
        [0.015, 0.09],
      ]),
      null,
      uniformConstraints(2),
    ).weights;
    expect(got[0]).toBeCloseTo(1, 10);
    expect(got[1]).toBeCloseTo(0, 10);
  });

  it("finds the grid-search minimum of three capped assets", () => {
    const cov = matrixOf([
      [0.04, 0.006, 0.01],
      [0.006, 0.0225, -0.003],
      [0.01, -0.003, 0.09],
    ]);
    const constraints = uniformConstraints(3, 0.05, 0.5);
    const got = minimiseQuadratic(cov, null, constraints).weights;
    let best = Number.POSITIVE_INFINITY;
    let arg = [0, 0, 0];
    for (let a = 0.05; a <= 0.5 + 1e-9; a += 0.001) {
      for (let b = 0.05; b <= 0.5 + 1e-9; b += 0.001) {
        const c = 1 - a - b;
        if (c < 0.05 - 1e-9 || c > 0.5 + 1e-9) continue;
        const v = portfolioVariance(cov, [a, b, c]);
        if (v < best) {
          best = v;
          arg = [a, b, c];
        }
      }
    }
    expect(portfolioVariance(cov, got)).toBeLessThanOrEqual(best + 1e-12);
    for (let i = 0; i < 3; i++) expect(Math.abs((got[i] as number) - (arg[i] as number))).toBeLessThan(2e-3);
  });

  it("meets the first-order optimality condition under caps and group caps (no feasible direction descends)", () => {
    const r = factorReturns(252, 30, 21);
    const cov = ledoitWolfCovariance(r);
    const group = Int32Array.from({ length: 30 }, (_, i) => i % 4);
    const constraints = {
      ...uniformConstraints(30, 0, 0.08),
      group,
      groupCaps: Float64Array.from([0.2, 0.3, 0.3, 0.4]),
    };
    const { weights, converged } = minimiseQuadratic(cov, null, constraints);
    expect(converged).toBe(true);
    const g = Array.from({ length: 30 }, (_, i) =>
      sum(Array.from({ length: 30 }, (_, j) => (cov.values[i * 30 + j] as number) * (weights[j] as number))),
    );
    const projector = portfolioProjector(constraints);
    const rand = seeded(9);
    const scale = portfolioVariance(cov, weights);
    for (let k = 0; k < 200; k++) {
      const x = projector.project(Float64Array.from({ length: 30 }, () => rand()));
      let slope = 0;
      for (let i = 0; i < 30; i++) slope += (g[i] as number) * ((x[i] as number) - (weights[i] as number));
      expect(slope / scale).toBeGreaterThan(-1e-6);
    }
  });
});

describe("maximum Sharpe", () => {
  it("matches the tangency portfolio w ∝ Σ⁻¹(μ − rf) of uncorrelated assets", () => {
    const variances = [0.0004, 0.0001, 0.0009];
    const mu = Float64Array.from([0.0008, 0.0003, 0.0012]);
    const cov = matrixOf(variances.map((v, i) => variances.map((_, j) => (i === j ? v : 0))));
    const raw = variances.map((v, i) => (mu[i] as number) / v);
    const got = maximiseSharpe(cov, mu, 0, uniformConstraints(3), Float64Array.from([1, 0, 0])).weights;
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo((raw[i] as number) / sum(raw), 6);
  });

  it("is never beaten by a random feasible portfolio", () => {
    const r = factorReturns(252, 12, 4);
    const cov = ledoitWolfCovariance(r);
    const result = optimisedWeights("max_sharpe", {
      returns: r,
      covariance: "ledoit_wolf",
      constraints: uniformConstraints(12, 0, 0.3),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mu = Float64Array.from(
      { length: 12 },
      (_, i) => sum(Array.from({ length: 252 }, (_, k) => r.values[k * 12 + i] as number)) / 252,
    );
    const best = sharpeOf(cov, mu, 0, result.value.after);
    const projector = portfolioProjector(uniformConstraints(12, 0, 0.3));
    const rand = seeded(3);
    for (let k = 0; k < 300; k++) {
      const x = projector.project(Float64Array.from({ length: 12 }, () => rand() * rand()));
      expect(sharpeOf(cov, mu, 0, x)).toBeLessThanOrEqual(best + 1e-9);
    }
  });

  it("says it converged on an ordinary problem (a stationary point, checked by the first-order condition)", () => {
    const r = factorReturns(252, 5, 11);
    const cov = ledoitWolfCovariance(r);
    const mu = Float64Array.from(
      { length: 5 },
      (_, i) => sum(Array.from({ length: 252 }, (_, k) => r.values[k * 5 + i] as number)) / 252,
    );
    const constraints = uniformConstraints(5);
    const start = Float64Array.from([0.2, 0.2, 0.2, 0.2, 0.2]);
    const result = maximiseSharpe(cov, mu, Math.min(...mu) - 1e-4, constraints, start);
    expect(result.converged).toBe(true);
    expect(result.iterations).toBeLessThan(5_000);
    // First order: no feasible direction raises the Sharpe ratio to first order.
    const best = sharpeOf(cov, mu, Math.min(...mu) - 1e-4, result.weights);
    const projector = portfolioProjector(constraints);
    const rand = seeded(5);
    for (let k = 0; k < 200; k++) {
      const x = projector.project(Float64Array.from({ length: 5 }, () => rand()));
      const towards = Float64Array.from(result.weights, (w, i) => w + 1e-6 * ((x[i] as number) - w));
      expect(sharpeOf(cov, mu, Math.min(...mu) - 1e-4, towards)).toBeLessThanOrEqual(best + 1e-12);
    }
  });

  it("falls back to minimum variance, with a warning, when nothing beats the risk-free rate", () => {
    const r = factorReturns(100, 5, 8);
    const negative = { ...r, values: r.values.map((x) => x - 0.01) };
    const result = optimisedWeights("max_sharpe", {
      returns: negative,
      covariance: "sample",
      constraints: uniformConstraints(5),
    });
    expect(result.ok && result.value.warnings).toContain("max_sharpe_no_positive_excess_return");
    const minVar = optimisedWeights("min_variance", {
      returns: negative,
      covariance: "sample",
      constraints: uniformConstraints(5),
    });
    if (result.ok && minVar.ok)
      for (let i = 0; i < 5; i++) expect(result.value.after[i]).toBeCloseTo(minVar.value.after[i] as number, 8);
  });
});

describe("inverse volatility and risk parity", () => {
  it("weights each asset by 1/σ", () => {
    const r = factorReturns(120, 4, 12);
    const result = optimisedWeights("inverse_volatility", {
      returns: r,
      covariance: "ledoit_wolf",
      constraints: uniformConstraints(4),
    });
    if (!result.ok) throw new Error(result.detail);
    const sd = Array.from({ length: 4 }, (_, i) => {
      const xs = Array.from({ length: 120 }, (_, k) => r.values[k * 4 + i] as number);
      const m = sum(xs) / 120;
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / 119);
    });
    const inv = sd.map((s) => 1 / s);
    for (let i = 0; i < 4; i++) expect(result.value.after[i]).toBeCloseTo((inv[i] as number) / sum(inv), 12);
  });

  it("gives uncorrelated assets equal risk contributions at inverse-volatility weights", () => {
    const sds = [0.01, 0.02, 0.015, 0.03];
    const cov = matrixOf(sds.map((a, i) => sds.map((_, j) => (i === j ? a * a : 0))));
    const { weights } = equalRiskContributionWeights(cov);
    const inv = sds.map((s) => 1 / s);
    for (let i = 0; i < 4; i++) expect(weights[i]).toBeCloseTo((inv[i] as number) / sum(inv), 10);
  });

  it("equalises risk contributions within 1e-6 on any correlated covariance", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 2, max: 25 }), (seed, n) => {
        const cov = ledoitWolfCovariance(factorReturns(60, n, seed));
        const { weights, converged } = equalRiskContributionWeights(cov);
        expect(converged).toBe(true);
        for (const c of riskContributions(cov, weights))
          expect(Math.abs(c.contribution_pct - 1 / n)).toBeLessThan(1e-6);
      }),
      { numRuns: 40 },
    );
  });
});

describe("constraints on every method", () => {
  it("keeps weights ≥ 0, summing to 1, under per-asset and group caps", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OPTIMISED_METHODS),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 4, max: 16 }),
        fc.double({ min: 0.3, max: 1, noNaN: true }),
        (method, seed, n, capScale) => {
          const max = Math.min(1, Math.max(1.5 / n, capScale * 0.5));
          const group = Int32Array.from({ length: n }, (_, i) => i % 3);
          const groupCaps = Float64Array.from([0.45, 0.45, 0.6]);
          const constraints = { ...uniformConstraints(n, 0, max), group, groupCaps };
          if (constraintsProblem(constraints)) return;
          const result = optimisedWeights(method, {
            returns: factorReturns(80, n, seed),
            covariance: "ledoit_wolf",
            constraints,
          });
          if (!result.ok) throw new Error(result.detail);
          const w = result.value.after;
          expect(sum(w)).toBeCloseTo(1, 9);
          const groupSums = [0, 0, 0];
          for (let i = 0; i < n; i++) {
            expect(w[i]).toBeGreaterThanOrEqual(-1e-12);
            expect(w[i]).toBeLessThanOrEqual(max + 1e-9);
            groupSums[i % 3] = (groupSums[i % 3] as number) + (w[i] as number);
          }
          groupSums.forEach((s, g) => {
            expect(s).toBeLessThanOrEqual((groupCaps[g] as number) + 1e-9);
          });
          expect(sum(result.value.before)).toBeCloseTo(1, 9);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("caps a heuristic pro rata, as the other weightings do, when its group caps do not bind", () => {
    const raw = Float64Array.from([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]);
    const viaQp = constrainHeuristic(raw, {
      ...uniformConstraints(6, 0.05, 0.3),
      group: new Int32Array(6),
      groupCaps: Float64Array.from([1]),
    });
    const proRata = capWeightArray(raw, 0.3, 0.05);
    for (let i = 0; i < 6; i++) expect(viaQp[i]).toBeCloseTo(proRata[i] as number, 7);
  });

  it("never trades more than max_turnover, staying feasible", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0.01, max: 0.5, noNaN: true }),
        (seed, limit) => {
          const n = 10;
          const rand = seeded(seed);
          const constraints = uniformConstraints(n, 0, 0.25);
          const current = portfolioProjector(constraints).project(Float64Array.from({ length: n }, () => rand()));
          const target = portfolioProjector(constraints).project(Float64Array.from({ length: n }, () => rand()));
          const out = limitTurnover(target, current, limit, constraints);
          expect(out.turnover).toBeLessThanOrEqual(limit + 1e-9);
          expect(turnoverBetween(out.weights, current)).toBeCloseTo(out.turnover, 12);
          expect(sum(out.weights)).toBeCloseTo(1, 12);
          for (const w of out.weights) expect(w).toBeLessThanOrEqual(0.25 + 1e-12);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses a lookback too short to estimate anything", () => {
    const result = optimisedWeights("min_variance", {
      returns: factorReturns(10, 3, 1),
      covariance: "sample",
      constraints: uniformConstraints(3),
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe("too_few_returns");
  });
});
