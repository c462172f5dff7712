// Long-only optimisers over the feasible set: accelerated projected gradient for quadratic programs
// (minimum variance) and projected gradient ascent for the Sharpe ratio.
import { type CovarianceMatrix, multiply } from "./covariance";
import { type PortfolioConstraints, portfolioProjector } from "./portfolio-constraints";

export interface SolverResult {
  weights: Float64Array;
  iterations: number;
  /** False when the iteration cap was reached before the step fell under the tolerance. */
  converged: boolean;
}

export interface SolverOptions {
  /** Stop when no weight moves more than this in one step. */
  tolerance?: number;
  maxIterations?: number;
}

/** λ_max of a symmetric matrix: power iteration, kept under the Gershgorin bound (always ≥ λ_max). */
export function largestEigenvalue(cov: CovarianceMatrix, iterations = 40): number {
  const n = cov.size;
  let gershgorin = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(cov.values[i * n + j] as number);
    gershgorin = Math.max(gershgorin, s);
  }
  let x = new Float64Array(n).fill(1 / Math.sqrt(n));
  let y = new Float64Array(n);
  let estimate = 0;
  for (let k = 0; k < iterations; k++) {
    multiply(cov, x, y);
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (y[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) break;
    estimate = norm;
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) / norm;
    [x, y] = [y, x];
  }
  // The power estimate approaches λ_max from below; the margin keeps the gradient step stable.
  return Math.min(gershgorin, 1.2 * estimate) || gershgorin;
}

/**
 * min ½w'Qw + c'w over the constraints, by FISTA (Beck & Teboulle 2009) with step 1/λ_max(Q) and the
 * adaptive restart of O'Donoghue & Candès (2015) whenever the momentum points uphill. Convex, so the
 * limit is the global minimum; exact projection keeps every iterate feasible.
 */
export function minimiseQuadratic(
  q: CovarianceMatrix,
  linear: Float64Array | null,
  constraints: PortfolioConstraints,
  options: SolverOptions & { start?: Float64Array } = {},
): SolverResult {
  const n = q.size;
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 20_000;
  const projector = portfolioProjector(constraints);
  const lipschitz = largestEigenvalue(q);
  const step = lipschitz > 0 ? 1 / lipschitz : 1;
  let x: Float64Array = projector.project(options.start ?? new Float64Array(n).fill(1 / n));
  const y = Float64Array.from(x);
  let next: Float64Array = new Float64Array(n);
  const grad = new Float64Array(n);
  const point = new Float64Array(n);
  let t = 1;
  for (let k = 1; k <= maxIterations; k++) {
    multiply(q, y, grad);
    for (let i = 0; i < n; i++)
      point[i] = (y[i] as number) - step * ((grad[i] as number) + (linear ? (linear[i] as number) : 0));
    projector.project(point, next);
    let moved = 0;
    let uphill = 0;
    for (let i = 0; i < n; i++) {
      const d = (next[i] as number) - (x[i] as number);
      moved = Math.max(moved, Math.abs(d));
      uphill += ((y[i] as number) - (next[i] as number)) * d;
    }
    if (moved < tolerance) return { weights: next, iterations: k, converged: true };
    if (uphill > 0) {
      t = 1; // restart: plain projected gradient from the new point
      y.set(next);
    } else {
      const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      const beta = (t - 1) / tNext;
      for (let i = 0; i < n; i++) y[i] = (next[i] as number) + beta * ((next[i] as number) - (x[i] as number));
      t = tNext;
    }
    [x, next] = [next, x];
  }
  return { weights: x, iterations: maxIterations, converged: false };
}

/** (μ'w − rf)/√(w'Σw) in the units of the inputs (daily), or −∞ where the variance is zero. */
export function sharpeOf(cov: CovarianceMatrix, mu: Float64Array, riskFree: number, w: Float64Array): number {
  const sw = multiply(cov, w);
  let variance = 0;
  let ret = 0;
  for (let i = 0; i < cov.size; i++) {
    variance += (w[i] as number) * (sw[i] as number);
    ret += (mu[i] as number) * (w[i] as number);
  }
  return variance > 0 ? (ret - riskFree) / Math.sqrt(variance) : Number.NEGATIVE_INFINITY;
}

/**
 * max (μ'w − rf)/√(w'Σw) over the constraints by projected gradient ascent with an Armijo backtracking
 * step. Where the excess return is positive the Sharpe ratio is pseudo-concave, so a stationary point is
 * the global maximum. The caller must make sure some feasible weights have a positive excess return.
 */
export function maximiseSharpe(
  cov: CovarianceMatrix,
  mu: Float64Array,
  riskFree: number,
  constraints: PortfolioConstraints,
  start: Float64Array,
  options: SolverOptions = {},
): SolverResult {
  const n = cov.size;
  const tolerance = options.tolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 5_000;
  const projector = portfolioProjector(constraints);
  let x: Float64Array = projector.project(start);
  let value = sharpeOf(cov, mu, riskFree, x);
  let step = 1 / Math.max(largestEigenvalue(cov), 1e-300);
  const grad = new Float64Array(n);
  const point = new Float64Array(n);
  let next: Float64Array = new Float64Array(n);
  for (let k = 1; k <= maxIterations; k++) {
    const sw = multiply(cov, x);
    let variance = 0;
    let ret = 0;
    for (let i = 0; i < n; i++) {
      variance += (x[i] as number) * (sw[i] as number);
      ret += (mu[i] as number) * (x[i] as number);
    }
    const sd = Math.sqrt(variance);
    const excess = ret - riskFree;
    for (let i = 0; i < n; i++) grad[i] = (mu[i] as number) / sd - (excess * (sw[i] as number)) / (sd * variance);
    let accepted = false;
    let nextValue = value;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) point[i] = (x[i] as number) + step * (grad[i] as number);
      projector.project(point, next);
      nextValue = sharpeOf(cov, mu, riskFree, next);
      let gain = 0;
      let dist = 0;
      for (let i = 0; i < n; i++) {
        const d = (next[i] as number) - (x[i] as number);
        gain += (grad[i] as number) * d;
        dist += d * d;
      }
      if (dist === 0 || nextValue >= value + 1e-4 * gain - 1e-15 * Math.abs(value)) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    let moved = 0;
    for (let i = 0; i < n; i++) moved = Math.max(moved, Math.abs((next[i] as number) - (x[i] as number)));
    if (!accepted || moved < tolerance) {
      return { weights: accepted && nextValue >= value ? next : x, iterations: k, converged: true };
    }
    [x, next] = [next, x];
    value = nextValue;
    step *= 2; // let the step grow back after backtracking
  }
  return { weights: x, iterations: maxIterations, converged: false };
}
