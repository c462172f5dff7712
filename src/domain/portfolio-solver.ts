// Long-only optimisers over the feasible set: accelerated projected gradient for quadratic programs
// (minimum variance) and projected gradient ascent for the Sharpe ratio.
import { type CovarianceMatrix, multiply } from "./covariance";
import { type PortfolioConstraints, portfolioProjector } from "./portfolio-constraints";

/** Iterations between attempts to finish a quadratic program exactly on its apparent active set. */
const POLISH_EVERY = 25;

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

/**
 * The step bound of each covariance, kept while the covariance lives: a rebalance solves twice on one matrix
 * (unconstrained, then capped) and max_sharpe may solve three times. Covariances are never changed in place.
 */
const boundOf = new WeakMap<Float64Array, number>();

/** λ_max of a symmetric matrix: power iteration, kept under the Gershgorin bound (always ≥ λ_max). */
export function largestEigenvalue(cov: CovarianceMatrix, iterations = 40): number {
  const known = iterations === 40 ? boundOf.get(cov.values) : undefined;
  if (known !== undefined) return known;
  const bound = powerIteration(cov, iterations);
  if (iterations === 40) boundOf.set(cov.values, bound);
  return bound;
}

function powerIteration(cov: CovarianceMatrix, iterations: number): number {
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

/** Cholesky factor L (row-major, lower) of the k×k principal submatrix of `q` on `rows`; null when not positive definite. */
function choleskyOf(q: CovarianceMatrix, rows: readonly number[]): Float64Array | null {
  const k = rows.length;
  const n = q.size;
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const ri = (rows[i] as number) * n;
    for (let j = 0; j <= i; j++) {
      let s = q.values[ri + (rows[j] as number)] as number;
      for (let p = 0; p < j; p++) s -= (l[i * k + p] as number) * (l[j * k + p] as number);
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / (l[j * k + j] as number);
    }
  }
  return l;
}

/** Solves L L' x = b in place. */
function choleskySolve(l: Float64Array, k: number, b: Float64Array): Float64Array {
  for (let i = 0; i < k; i++) {
    let s = b[i] as number;
    for (let p = 0; p < i; p++) s -= (l[i * k + p] as number) * (b[p] as number);
    b[i] = s / (l[i * k + i] as number);
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let p = i + 1; p < k; p++) s -= (l[p * k + i] as number) * (b[p] as number);
    b[i] = s / (l[i * k + i] as number);
  }
  return b;
}

/** Rounds of set corrections one polish may try before handing back to the iterations. */
const POLISH_ROUNDS = 12;

/**
 * Guess-and-correct active set: take the bounds that `x` sits on as binding, solve the equality-constrained
 * problem on the free assets exactly (Q_FF w_F = ν1 − Q_FB w_B − c_F with Σw = 1); a free weight past its bound
 * is fixed there, a bound weight whose multiplier has the wrong sign is freed, and the solve is repeated (at
 * most POLISH_ROUNDS times). An answer is accepted only once it satisfies every KKT condition (bounds, group
 * caps, multiplier signs): then it is the exact optimum (the problem is strictly convex); otherwise null and
 * the iterations go on. Skipped while a group cap binds.
 */
function polishedOptimum(
  q: CovarianceMatrix,
  linear: Float64Array | null,
  c: PortfolioConstraints,
  x: Float64Array,
): Float64Array | null {
  const n = q.size;
  const tol = 1e-9;
  const FREE = 0;
  const LOWER = 1;
  const UPPER = 2;
  const state = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    state[i] = xi <= (c.lower[i] as number) + tol ? LOWER : xi >= (c.upper[i] as number) - tol ? UPPER : FREE;
  }
  if (c.groupCaps && c.groupCaps.length > 0) {
    const sums = new Float64Array(c.groupCaps.length);
    for (let i = 0; i < n; i++) {
      const g = c.group?.[i] ?? -1;
      if (g >= 0) sums[g] = (sums[g] as number) + (x[i] as number);
    }
    for (let g = 0; g < sums.length; g++) if ((sums[g] as number) >= (c.groupCaps[g] as number) - 1e-7) return null;
  }
  for (let round = 0; round < POLISH_ROUNDS; round++) {
    const w = new Float64Array(n);
    const free: number[] = [];
    let fixedSum = 0;
    for (let i = 0; i < n; i++) {
      if (state[i] === FREE) free.push(i);
      else {
        w[i] = state[i] === LOWER ? (c.lower[i] as number) : (c.upper[i] as number);
        fixedSum += w[i] as number;
      }
    }
    const k = free.length;
    if (k === 0) return null;
    const l = choleskyOf(q, free);
    if (!l) return null;
    const ones = choleskySolve(l, k, new Float64Array(k).fill(1));
    const rhs = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      const i = free[a] as number;
      let s = linear ? (linear[i] as number) : 0;
      for (let j = 0; j < n; j++) if (w[j] !== 0) s += (q.values[i * n + j] as number) * (w[j] as number);
      rhs[a] = s;
    }
    const shift = choleskySolve(l, k, rhs);
    let sa = 0;
    let sb = 0;
    for (let a = 0; a < k; a++) {
      sa += ones[a] as number;
      sb += shift[a] as number;
    }
    const nu = (1 - fixedSum + sb) / sa;
    let changed = false;
    for (let a = 0; a < k; a++) {
      const i = free[a] as number;
      const v = nu * (ones[a] as number) - (shift[a] as number);
      if (v < (c.lower[i] as number) - 1e-12) {
        state[i] = LOWER;
        changed = true;
      } else if (v > (c.upper[i] as number) + 1e-12) {
        state[i] = UPPER;
        changed = true;
      }
      w[i] = v;
    }
    if (changed) continue;
    const g = multiply(q, w);
    let scale = Math.abs(nu);
    for (let i = 0; i < n; i++) {
      g[i] = (g[i] as number) + (linear ? (linear[i] as number) : 0);
      scale = Math.max(scale, Math.abs(g[i] as number));
    }
    for (let i = 0; i < n; i++) {
      const gi = g[i] as number;
      // raising a weight at its floor (or lowering one at its ceiling) would lower the objective: free it
      if ((state[i] === LOWER && gi < nu - 1e-9 * scale) || (state[i] === UPPER && gi > nu + 1e-9 * scale)) {
        state[i] = FREE;
        changed = true;
      }
    }
    if (changed) continue;
    if (c.groupCaps && c.groupCaps.length > 0) {
      const sums = new Float64Array(c.groupCaps.length);
      for (let i = 0; i < n; i++) {
        const gr = c.group?.[i] ?? -1;
        if (gr >= 0) sums[gr] = (sums[gr] as number) + (w[i] as number);
      }
      for (let gr = 0; gr < sums.length; gr++)
        if ((sums[gr] as number) > (c.groupCaps[gr] as number) + 1e-12) return null;
    }
    return w;
  }
  return null;
}

/**
 * min ½w'Qw + c'w over the constraints, by FISTA (Beck & Teboulle 2009) with step 1/λ_max(Q) and the
 * adaptive restart of O'Donoghue & Candès (2015) whenever the momentum points uphill. Convex, so the
 * limit is the global minimum; exact projection keeps every iterate feasible. Every POLISH_EVERY steps the
 * active set the iterate shows is tried exactly (`polishedOptimum`): the iterations usually find which
 * bounds bind long before they converge, so this ends most solves early with the exact answer.
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
    if (k % POLISH_EVERY === 0) {
      const exact = polishedOptimum(q, linear, constraints, next);
      if (exact) return { weights: exact, iterations: k, converged: true };
    }
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
    // Stationary: the step barely moves, or the gradient mapping (x − P(x + step·g)) / step, which is zero exactly
    // at a constrained stationary point whatever the step, is below STATIONARY (zig-zagging along a face of the
    // simplex never takes `moved` under 1e-10 in 5,000 steps though the optimum is found to 1e-8).
    if (!accepted || moved < tolerance || moved / step < STATIONARY) {
      return { weights: accepted && nextValue >= value ? next : x, iterations: k, converged: true };
    }
    [x, next] = [next, x];
    value = nextValue;
    step *= 2; // let the step grow back after backtracking
  }
  return { weights: x, iterations: maxIterations, converged: false };
}

/** The gradient-mapping norm (∞) under which maximiseSharpe stops: Sharpe's gradient is O(1) per unit weight. */
const STATIONARY = 1e-9;
