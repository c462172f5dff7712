import { describe, expect, it } from "vitest";
import { ledoitWolfCovariance } from "../../src/domain/covariance";
import {
  correlationDistance,
  distanceOfDistances,
  hierarchicalRiskParityWeights,
  quasiDiagonalOrder,
  recursiveBisection,
  singleLinkage,
} from "../../src/domain/hrp";
import { factorReturns, matrixOf } from "./portfolio-fixtures";

describe("hierarchical risk parity", () => {
  // López de Prado (2016), "Building Diversified Portfolios that Outperform Out of Sample", section 3's
  // worked example: ρ for assets {1, 2, 3}, its distance d, the distance of distances d̃ and the first merge.
  const rho = Float64Array.from([1, 0.7, 0.2, 0.7, 1, -0.2, 0.2, -0.2, 1]);

  it("reproduces the paper's correlation distances d = √((1 − ρ)/2)", () => {
    const d = correlationDistance(rho);
    const paper = [0, 0.3873, 0.6325, 0.3873, 0, 0.7746, 0.6325, 0.7746, 0];
    paper.forEach((v, i) => {
      expect(d[i]).toBeCloseTo(v, 4);
    });
  });

  it("reproduces the paper's distance of distances d̃", () => {
    const dd = distanceOfDistances(correlationDistance(rho), 3);
    const paper = [0, 0.5659, 0.9747, 0.5659, 0, 1.1225, 0.9747, 1.1225, 0];
    paper.forEach((v, i) => {
      expect(dd[i]).toBeCloseTo(v, 4);
    });
  });

  it("merges the paper's first pair (1, 2) at 0.5659, then asset 3 at min(0.9747, 1.1225)", () => {
    const merges = singleLinkage(distanceOfDistances(correlationDistance(rho), 3), 3);
    expect(merges[0]).toMatchObject({ left: 0, right: 1, size: 2 });
    expect(merges[0]?.distance).toBeCloseTo(0.5659, 4);
    expect(merges[1]).toMatchObject({ left: 2, right: 3, size: 3 });
    expect(merges[1]?.distance).toBeCloseTo(0.9747, 4);
    expect(quasiDiagonalOrder(merges, 3)).toEqual([2, 0, 1]);
  });

  it("gives uncorrelated assets inverse-variance weights (each split hands out 1/V shares)", () => {
    const variances = [0.04, 0.01, 0.09, 0.0225, 0.0016];
    const cov = matrixOf(variances.map((v, i) => variances.map((_, j) => (i === j ? v : 0))));
    const w = hierarchicalRiskParityWeights(cov);
    const inv = variances.map((v) => 1 / v);
    const total = inv.reduce((a, b) => a + b, 0);
    inv.forEach((x, i) => {
      expect(w[i]).toBeCloseTo(x / total, 12);
    });
  });

  it("splits two correlated pairs by hand: α = 1 − V_left/(V_left + V_right)", () => {
    // Pair A = assets 0,1 (var .04 and .01, cov .01); pair B = 2,3 (var .09, .09, cov .0). Order [0,1,2,3].
    const cov = matrixOf([
      [0.04, 0.01, 0, 0],
      [0.01, 0.01, 0, 0],
      [0, 0, 0.09, 0],
      [0, 0, 0, 0.09],
    ]);
    // Inverse-variance weights in A: (0.2, 0.8): V_A = .04·.04 + .64·.01 + 2·.16·.01 = .0112; in B (.5,.5): V_B = .045.
    const alpha = 1 - 0.0112 / (0.0112 + 0.045);
    // Leaves: asset 0 vs 1 alone: α₀ = 1 − .04/.05 = .2; 2 vs 3: .5.
    const expected = [alpha * 0.2, alpha * 0.8, (1 - alpha) * 0.5, (1 - alpha) * 0.5];
    const w = recursiveBisection(cov, [0, 1, 2, 3]);
    expected.forEach((x, i) => {
      expect(w[i]).toBeCloseTo(x, 12);
    });
  });

  it("gives positive weights summing to 1 on correlated data", () => {
    const w = hierarchicalRiskParityWeights(ledoitWolfCovariance(factorReturns(252, 40, 17)));
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (const x of w) expect(x).toBeGreaterThan(0);
  });
});
