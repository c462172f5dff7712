// Target weights at one rebalance for the risk-based weightings and for any weighting under group caps or a
// turnover limit: the lookback returns (point in time), the constraints in force and the solver's answer.
import type { CovarianceMethod, ReturnsMatrix } from "./covariance";
import {
  constrainHeuristic,
  isOptimisedMethod,
  MIN_LOOKBACK_RETURNS,
  type OptimisedMethod,
  optimisedWeights,
} from "./optimised-weighting";
import { failure, type Outcome, success } from "./outcome";
import { constraintsProblem, limitTurnover, type PortfolioConstraints } from "./portfolio-constraints";
import type { PriceMatrix } from "./price-matrix";

export const DEFAULT_LOOKBACK_DAYS = 252;

export interface PortfolioRules {
  /** Daily returns each optimiser reads, ending on the session before the rebalance (default 252). */
  lookbackDays?: number;
  covariance?: CovarianceMethod;
  /** Sector per constituent symbol, for `groupCaps`. */
  sectors?: Readonly<Record<string, string | null | undefined>>;
  /** Most total weight per sector. */
  groupCaps?: Readonly<Record<string, number>>;
  /** Most one-way turnover (0.5 Σ|Δw|) per rebalance after the first. */
  maxTurnover?: number;
  /** Daily risk-free rate, for max_sharpe. */
  riskFreeDaily?: number;
}

/** True when a rebalance needs more than the pro-rata capping of raw weights. */
export const needsPortfolioTarget = (method: string, rules: PortfolioRules | undefined): boolean =>
  isOptimisedMethod(method) ||
  (rules?.groupCaps !== undefined && Object.keys(rules.groupCaps).length > 0) ||
  rules?.maxTurnover !== undefined;

/** Constraints for the assets `symbols`: per-asset bounds and each named sector's cap. */
export function portfolioConstraints(
  symbols: readonly string[],
  minWeight: number,
  maxWeight: number,
  rules: PortfolioRules | undefined,
): PortfolioConstraints {
  const k = symbols.length;
  const constraints: PortfolioConstraints = {
    lower: new Float64Array(k).fill(minWeight),
    upper: new Float64Array(k).fill(maxWeight),
  };
  const caps = rules?.groupCaps;
  if (caps && Object.keys(caps).length > 0) {
    const names = Object.keys(caps);
    const index = new Map(names.map((n, g) => [n, g]));
    constraints.group = Int32Array.from(symbols, (s) => index.get(rules?.sectors?.[s] ?? "") ?? -1);
    constraints.groupCaps = Float64Array.from(names, (n) => caps[n] as number);
  }
  return constraints;
}

/**
 * Daily simple returns of `chosen` (matrix columns) over the `lookback` sessions ending at day t − 1: the
 * closes of days t − 1 − L … t − 1, shortened to where every chosen asset has a price. Day t's own close is
 * never read, so the weights set on day t use nothing that was not known at the close before.
 */
export function lookbackReturns(
  matrix: PriceMatrix,
  chosen: readonly number[],
  t: number,
  lookback: number,
): ReturnsMatrix {
  const n = matrix.symbols.length;
  let start = Math.max(0, t - 1 - lookback);
  for (const s of chosen) start = Math.max(start, matrix.firstDay[s] as number);
  const observations = Math.max(0, t - 1 - start);
  const k = chosen.length;
  const values = new Float64Array(observations * k);
  for (let d = 0; d < observations; d++) {
    const row = (start + d) * n;
    for (let j = 0; j < k; j++) {
      const s = chosen[j] as number;
      values[d * k + j] = (matrix.closes[row + n + s] as number) / (matrix.closes[row + s] as number) - 1;
    }
  }
  return { observations, assets: k, values };
}

/** True when column `s` has enough history before day t for an optimiser. */
export const hasLookbackHistory = (matrix: PriceMatrix, s: number, t: number): boolean =>
  (matrix.firstDay[s] as number) >= 0 && t - 1 - (matrix.firstDay[s] as number) >= MIN_LOOKBACK_RETURNS;

export interface RebalanceTarget {
  before: Float64Array;
  after: Float64Array;
  /** Group caps had to be dropped (too few names left for them) or the turnover limit could not hold. */
  relaxed: boolean;
  warnings: string[];
}

/**
 * The target weights of `chosen` on day t. `classicRaw` carries the raw weights of market_cap/equal/price/
 * custom (null for the risk-based methods); `drifted` the current weights of `chosen` and `departed` the
 * weight of members leaving (null on the first rebalance, when nothing is held and turnover is not limited).
 */
export function rebalanceTarget(args: {
  method: string;
  classicRaw: Float64Array | null;
  matrix: PriceMatrix;
  chosen: readonly number[];
  t: number;
  minWeight: number;
  maxWeight: number;
  rules: PortfolioRules | undefined;
  current: { weights: Float64Array; departed: number } | null;
}): Outcome<RebalanceTarget, "insufficient_history" | "infeasible_constraints" | "zero_variance"> {
  const { matrix, chosen, rules } = args;
  const symbols = chosen.map((s) => matrix.symbols[s] as string);
  let constraints = portfolioConstraints(symbols, args.minWeight, args.maxWeight, rules);
  let relaxed = false;
  if (constraintsProblem(constraints)) {
    // Delistings left too few names in some sector for its cap: keep the per-asset caps, drop the group caps.
    constraints = { lower: constraints.lower, upper: constraints.upper };
    relaxed = true;
  }
  const warnings: string[] = [];
  let before: Float64Array;
  let after: Float64Array;
  if (isOptimisedMethod(args.method)) {
    const returns = lookbackReturns(matrix, chosen, args.t, rules?.lookbackDays ?? DEFAULT_LOOKBACK_DAYS);
    const result = optimisedWeights(args.method as OptimisedMethod, {
      returns,
      covariance: rules?.covariance ?? "ledoit_wolf",
      constraints,
      riskFreeDaily: rules?.riskFreeDaily,
    });
    if (!result.ok) {
      const date = matrix.dates[args.t];
      return result.reason === "too_few_returns"
        ? failure("insufficient_history", `${args.method} on ${date}: ${result.detail}`)
        : failure(result.reason, `${args.method} on ${date}: ${result.detail}`);
    }
    before = result.value.before;
    after = result.value.after;
    warnings.push(...result.value.warnings);
  } else {
    const raw = args.classicRaw as Float64Array;
    let total = 0;
    for (const x of raw) total += x;
    before = raw.map((x) => x / total);
    after = constrainHeuristic(
      before.map((x) => Math.max(x, 1e-12)),
      constraints,
    );
  }
  if (args.current && rules?.maxTurnover !== undefined) {
    const limited = limitTurnover(after, args.current.weights, rules.maxTurnover, constraints, args.current.departed);
    if (limited.limitExceeded) {
      warnings.push("max_turnover_exceeded");
      relaxed = true;
    }
    after = limited.weights;
  }
  return success({ before, after, relaxed, warnings });
}

/** Drifted weights of `chosen` just before the rebalance on day t, and the weight of members leaving. */
export function currentWeights(
  matrix: PriceMatrix,
  t: number,
  chosen: readonly number[],
  value: number,
  units: Float64Array,
  member: Uint8Array,
): { weights: Float64Array; departed: number } {
  const n = matrix.symbols.length;
  const row = t * n;
  const inNew = new Uint8Array(n);
  const weights = Float64Array.from(chosen, (s) => {
    inNew[s] = 1;
    return ((units[s] as number) * (matrix.closes[row + s] as number)) / value;
  });
  let departed = 0;
  for (let s = 0; s < n; s++) {
    if (member[s] && !inNew[s]) departed += ((units[s] as number) * (matrix.closes[row + s] as number)) / value;
  }
  return { weights, departed };
}
