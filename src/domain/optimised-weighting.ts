// Risk-based index weights (inverse volatility, minimum variance, maximum Sharpe, risk parity, HRP)
// from a window of past returns, under per-asset caps, group (sector) caps and a turnover limit.
import { type CovarianceMatrix, type CovarianceMethod, estimateCovariance, type ReturnsMatrix } from "./covariance";
import { hierarchicalRiskParityWeights } from "./hrp";
import { failure, type Outcome, success } from "./outcome";
import {
  constraintsProblem,
  limitTurnover,
  type PortfolioConstraints,
  portfolioProjector,
} from "./portfolio-constraints";
import { maximiseSharpe, minimiseQuadratic } from "./portfolio-solver";
import { equalRiskContributionWeights } from "./risk-contributions";
import { capWeightArray } from "./weighting";

export const OPTIMISED_METHODS = ["inverse_volatility", "min_variance", "max_sharpe", "risk_parity", "hrp"] as const;
export type OptimisedMethod = (typeof OPTIMISED_METHODS)[number];

export const isOptimisedMethod = (m: string): m is OptimisedMethod =>
  (OPTIMISED_METHODS as readonly string[]).includes(m);

/** Fewest daily returns an optimiser accepts: below it a covariance is mostly noise. */
export const MIN_LOOKBACK_RETURNS = 20;

export interface OptimisedInputs {
  returns: ReturnsMatrix;
  covariance: CovarianceMethod;
  constraints: PortfolioConstraints;
  /** Daily risk-free rate, for `max_sharpe`. */
  riskFreeDaily?: number;
  /** Drifted weights just before the rebalance (same asset order) and the weight of names leaving. */
  current?: { weights: Float64Array; departed: number };
  maxTurnover?: number;
}

export interface OptimisedWeights {
  /** The method's weights with only long-only bounds (no caps, no turnover limit). */
  before: Float64Array;
  after: Float64Array;
  covariance: CovarianceMatrix;
  /** Machine-readable notes: `max_sharpe_no_positive_excess_return`, `solver_not_converged`, `max_turnover_exceeded`. */
  warnings: string[];
}

export type OptimisedProblem = "too_few_returns" | "infeasible_constraints" | "zero_variance";

/** Per-asset sample volatility (daily), independent of the covariance estimator. */
function sampleVolatilities(r: ReturnsMatrix): Float64Array {
  const { observations: t, assets: n, values } = r;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < t; k++) m += values[k * n + i] as number;
    m /= t;
    let ss = 0;
    for (let k = 0; k < t; k++) ss += ((values[k * n + i] as number) - m) ** 2;
    out[i] = Math.sqrt(ss / (t - 1));
  }
  return out;
}

function columnMeans(r: ReturnsMatrix): Float64Array {
  const out = new Float64Array(r.assets);
  for (let k = 0; k < r.observations; k++) {
    for (let i = 0; i < r.assets; i++) out[i] = (out[i] as number) + (r.values[k * r.assets + i] as number);
  }
  return out.map((x) => x / r.observations);
}

const hasGroups = (c: PortfolioConstraints) => (c.groupCaps?.length ?? 0) > 0;

/**
 * Heuristic weights made to satisfy the constraints: the nearest feasible weights in the χ² distance
 * Σ(w_i − r_i)²/r_i. Under per-asset caps alone its solution is w_i = clamp(λ r_i, min, max), the same
 * pro-rata capping every other weighting uses; with group caps the quadratic program decides.
 */
export function constrainHeuristic(raw: Float64Array, constraints: PortfolioConstraints): Float64Array {
  const n = raw.length;
  const lower = constraints.lower[0] ?? 0;
  const upper = constraints.upper[0] ?? 1;
  const uniform = constraints.lower.every((x) => x === lower) && constraints.upper.every((x) => x === upper);
  if (!hasGroups(constraints) && uniform) return capWeightArray(raw, upper, lower);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1 / Math.max(raw[i] as number, 1e-12);
  const linear = new Float64Array(n).fill(-1);
  return minimiseQuadratic({ size: n, values: q, shrinkage: 0 }, linear, constraints, { start: raw }).weights;
}

/** The weights of `method` for one rebalance, or why there are none. */
export function optimisedWeights(
  method: OptimisedMethod,
  inputs: OptimisedInputs,
): Outcome<OptimisedWeights, OptimisedProblem> {
  const { returns, constraints } = inputs;
  const n = returns.assets;
  if (returns.observations < MIN_LOOKBACK_RETURNS) {
    return failure(
      "too_few_returns",
      `${method} needs at least ${MIN_LOOKBACK_RETURNS} daily returns, got ${returns.observations}`,
    );
  }
  const infeasible = constraintsProblem(constraints);
  if (infeasible) return failure("infeasible_constraints", infeasible);
  const cov = estimateCovariance(returns, inputs.covariance);
  for (let i = 0; i < n; i++) {
    if (!((cov.values[i * n + i] as number) > 0))
      return failure("zero_variance", `asset ${i} has no variance over the lookback`);
  }
  const warnings: string[] = [];
  const longOnly: PortfolioConstraints = { lower: new Float64Array(n), upper: new Float64Array(n).fill(1) };
  let before: Float64Array;
  let after: Float64Array;
  switch (method) {
    case "inverse_volatility": {
      const vol = sampleVolatilities(returns);
      if (vol.some((v) => !(v > 0))) return failure("zero_variance", "an asset has no volatility over the lookback");
      before = normalise(vol.map((v) => 1 / v));
      after = constrainHeuristic(before, constraints);
      break;
    }
    case "risk_parity": {
      const erc = equalRiskContributionWeights(cov);
      if (!erc.converged) warnings.push("solver_not_converged");
      before = erc.weights;
      after = constrainHeuristic(before, constraints);
      break;
    }
    case "hrp":
      before = hierarchicalRiskParityWeights(cov);
      after = constrainHeuristic(before, constraints);
      break;
    case "min_variance": {
      const free = minimiseQuadratic(cov, null, longOnly);
      before = free.weights;
      const bound = sameConstraints(constraints, longOnly)
        ? free
        : minimiseQuadratic(cov, null, constraints, { start: free.weights });
      if (!bound.converged || !free.converged) warnings.push("solver_not_converged");
      after = bound.weights;
      break;
    }
    case "max_sharpe": {
      const mu = columnMeans(returns);
      const rf = inputs.riskFreeDaily ?? 0;
      const solve = (c: PortfolioConstraints): Float64Array | null => {
        const best = bestReturnPoint(mu, c);
        let ret = 0;
        for (let i = 0; i < n; i++) ret += (mu[i] as number) * (best[i] as number);
        if (!(ret > rf)) return null;
        const result = maximiseSharpe(cov, mu, rf, c, best);
        if (!result.converged) warnings.push("solver_not_converged");
        return result.weights;
      };
      const free = solve(longOnly);
      const bound = free && (sameConstraints(constraints, longOnly) ? free : solve(constraints));
      if (!free || !bound) {
        // No portfolio beats the risk-free rate over the lookback: the Sharpe ratio has no useful maximum.
        warnings.push("max_sharpe_no_positive_excess_return");
        before = minimiseQuadratic(cov, null, longOnly).weights;
        after = minimiseQuadratic(cov, null, constraints, { start: before }).weights;
      } else {
        before = free;
        after = bound;
      }
      break;
    }
  }
  if (inputs.current && inputs.maxTurnover !== undefined) {
    const limited = limitTurnover(
      after,
      inputs.current.weights,
      inputs.maxTurnover,
      constraints,
      inputs.current.departed,
    );
    if (limited.limitExceeded) warnings.push("max_turnover_exceeded");
    after = limited.weights;
  }
  return success({ before, after, covariance: cov, warnings: [...new Set(warnings)] });
}

/** Approximately argmax μ'w over the constraints: the projection of a far point along μ. */
function bestReturnPoint(mu: Float64Array, c: PortfolioConstraints): Float64Array {
  let scale = 0;
  for (let i = 0; i < mu.length; i++) scale = Math.max(scale, Math.abs(mu[i] as number));
  const far = mu.map((m) => (scale > 0 ? (m / scale) * 1e3 : 0));
  return portfolioProjector(c).project(far);
}

function sameConstraints(a: PortfolioConstraints, b: PortfolioConstraints): boolean {
  if (hasGroups(a) || hasGroups(b)) return false;
  return a.lower.every((x, i) => x === b.lower[i]) && a.upper.every((x, i) => x === b.upper[i]);
}

function normalise(x: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] as number;
  return x.map((v) => v / s);
}
