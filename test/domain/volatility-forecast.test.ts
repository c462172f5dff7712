import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ewmaForecast,
  fitGarch,
  garchForecast,
  garchLogLikelihood,
  garchMeanVariance,
  garchVarianceAt,
} from "../../src/domain/volatility-forecast";
import { normal, seeded } from "./portfolio-fixtures";

/** A GARCH(1,1) path with known parameters, the independent truth a fit must recover. */
function simulateGarch(n: number, omega: number, alpha: number, beta: number, seed: number): number[] {
  const rand = seeded(seed);
  let h = omega / (1 - alpha - beta);
  const out: number[] = [];
  for (let i = 0; i < n + 500; i++) {
    const e = Math.sqrt(h) * normal(rand);
    if (i >= 500) out.push(e); // burn-in so the start does not matter
    h = omega + alpha * e * e + beta * h;
  }
  return out;
}

describe("EWMA (RiskMetrics)", () => {
  it("follows σ²_{t+1} = 0.94σ²_t + 0.06r_t² by hand on three returns", () => {
    const r = [0.01, -0.02, 0.015];
    let v = (0.01 ** 2 + 0.02 ** 2 + 0.015 ** 2) / 3; // seed: mean square of the first min(20, n)
    for (const x of r) v = 0.94 * v + 0.06 * x * x;
    const f = ewmaForecast(r);
    expect(f.lambda).toBe(0.94);
    expect(f.daily_variance).toBeCloseTo(v, 15);
    expect(f.annualized_volatility).toBeCloseTo(Math.sqrt(252 * v), 12);
  });
});

describe("GARCH(1,1)", () => {
  it("recovers the parameters of a simulated path", () => {
    const r = simulateGarch(5000, 2e-6, 0.08, 0.9, 42);
    const fit = fitGarch(r);
    expect(fit).not.toBeNull();
    if (!fit) return;
    expect(fit.alpha).toBeGreaterThan(0.05);
    expect(fit.alpha).toBeLessThan(0.11);
    expect(fit.beta).toBeGreaterThan(0.86);
    expect(fit.beta).toBeLessThan(0.94);
    expect(fit.long_run_variance).toBeGreaterThan(0.5e-4);
    expect(fit.long_run_variance).toBeLessThan(2e-4);
  });

  it("finds a likelihood at least as high as the true parameters'", () => {
    const r = simulateGarch(2000, 1e-6, 0.1, 0.85, 7);
    const fit = fitGarch(r);
    if (!fit) throw new Error("no fit");
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const truth = garchLogLikelihood(
      r.map((x) => x - mean),
      1e-6,
      0.1,
      0.85,
    ).ll;
    expect(fit.log_likelihood).toBeGreaterThanOrEqual(truth - 1e-6);
  });

  it("forecasts that tend to the unconditional variance ω/(1 − α − β)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-7, max: 1e-4, noNaN: true }),
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        fc.double({ min: 0.3, max: 0.68, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e-2, noNaN: true }),
        (omega, alpha, betaShare, next) => {
          const beta = betaShare * (1 - alpha); // keeps α + β < 1
          const fit = { alpha, beta, long_run_variance: omega / (1 - alpha - beta), next_variance: next };
          const gapAt = (k: number) => Math.abs(garchVarianceAt(fit, k) - fit.long_run_variance);
          expect(gapAt(2)).toBeLessThanOrEqual(gapAt(1) + 1e-18);
          expect(gapAt(500) / fit.long_run_variance).toBeLessThan(1e-6 * Math.max(1, next / fit.long_run_variance));
          const mean = garchMeanVariance(fit, 200_000);
          expect(Math.abs(mean - fit.long_run_variance) / fit.long_run_variance).toBeLessThan(
            1e-3 * Math.max(1, next / fit.long_run_variance),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("states its EWMA fallback when the history is too short", () => {
    const f = garchForecast(simulateGarch(100, 1e-6, 0.1, 0.85, 3));
    expect(f.model).toBe("ewma");
    expect("fallback_reason" in f && f.fallback_reason).toBe("too_few_observations");
  });

  it("annualises the mean variance over the horizon", () => {
    const r = simulateGarch(1500, 2e-6, 0.08, 0.9, 11);
    const f = garchForecast(r, 21);
    const fit = fitGarch(r);
    if (f.model !== "garch" || !fit) throw new Error("expected a GARCH fit");
    let total = 0;
    for (let k = 1; k <= 21; k++) total += garchVarianceAt(fit, k);
    expect(f.annualized_volatility).toBeCloseTo(Math.sqrt((252 * total) / 21), 12);
  });
});
