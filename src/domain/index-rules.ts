// What the index engine takes and answers (rules, inputs, levels, allocations, rebalances, exclusions,
// problems), and the checks that need no prices: rule validation, the implied-shares schedule of market caps and
// the adjustment-factor schedule the price weighting reads quoted closes through.
import type { FactorSegment } from "./adjustment-factors";
import type { OptimisedMethod } from "./optimised-weighting";
import { closeOnOrBefore, firstOnOrAfter, type PriceHistory, type PriceMatrix } from "./price-matrix";
import type { PortfolioRules } from "./rebalance-targets";
import type { RebalanceFrequency } from "./rebalancing";
import { capsProblem, rawWeights, type WeightingMethod, type Weights } from "./weighting";

export interface IndexRules {
  weighting: WeightingMethod | OptimisedMethod;
  /** Lookback, covariance, group caps and turnover limit (risk-based weightings; group caps and turnover for any). */
  portfolio?: PortfolioRules;
  /** Required for `custom`: non-negative, normalised over the constituents eligible at each rebalance. */
  customWeights?: Readonly<Record<string, number>>;
  maxWeight?: number;
  minWeight?: number;
  rebalance: RebalanceFrequency;
  baseDate: string;
  baseValue: number;
  /** A preview: also rebalance on the matrix's last session, recording the drifted weights it trades from. */
  rebalanceOnLastDay?: boolean;
}

export interface MarketCapPoint {
  date: string;
  value: number;
}

export interface IndexInput extends IndexRules {
  constituents: readonly string[];
  /** Adjusted daily closes per constituent, ascending; history before `baseDate` lets a price carry in. */
  prices: PriceHistory;
  /** Market-cap observations per constituent, ascending; needed for `market_cap` weighting. */
  marketCaps?: Readonly<Record<string, readonly MarketCapPoint[]>>;
  /**
   * For `price` weighting: the adjustment-factor segments `prices` were adjusted with, per constituent (none:
   * unadjusted), so a rebalance weighs each name by its close as quoted that day (adjusted ÷ factor).
   */
  adjustments?: Readonly<Record<string, readonly FactorSegment[]>>;
}

/**
 * The adjustment factor of a constituent's adjusted closes (adjusted = quoted × factor), in force from `date`, one
 * of its bar dates, until the next entry: a close carried from an earlier bar keeps that bar's factor.
 */
export interface PriceFactor {
  date: string;
  factor: number;
}

/** Shares outstanding implied by a market-cap observation, in force from `date` until the next one. */
export interface ImpliedShares {
  date: string;
  shares: number;
}

export interface IndexKernelInput extends IndexRules {
  matrix: PriceMatrix;
  /** Per symbol of `matrix.symbols` (same order), for `market_cap`; null when a symbol has no market cap. */
  impliedShares?: readonly (readonly ImpliedShares[] | null)[];
  /** Per symbol of `matrix.symbols` (same order), for `price`: its factor schedule; null (or absent) = unadjusted. */
  priceFactors?: readonly (readonly PriceFactor[] | null)[];
}

export interface IndexLevel {
  date: string;
  value: number;
  daily_return: number | null;
}

export interface Allocation {
  rebalance_date: string;
  weights: Weights;
  /** Index units held per symbol: value = Σ shares × close until the next rebalance. */
  shares: Record<string, number>;
}

export interface Rebalance {
  date: string;
  /** Raw weights of the method, before capping. */
  weights_before: Weights;
  weights_after: Weights;
  /** 0.5 × Σ|w_new − w_drifted|; 1 at the first rebalance (the whole index is bought from cash). */
  turnover: number;
  joined: string[];
  left: string[];
  /** True when too few constituents were eligible for the caps to hold, so caps were widened to 1/n (or group caps dropped, or the turnover limit could not hold). */
  caps_relaxed: boolean;
  /** Solver notes (e.g. `max_sharpe_no_positive_excess_return`); absent when there are none. */
  warnings?: string[];
  /** The drifted weights in force just before it (only on a preview's last-day rebalance). */
  weights_in_force?: Weights;
}

export type ExclusionReason =
  | "no_prices"
  | "delisted_before_base"
  | "no_market_cap"
  | "not_listed_on_a_rebalance_date"
  | "insufficient_history";

export interface Exclusion {
  symbol: string;
  reason: ExclusionReason;
}

/**
 * One rebalance's holdings as columns of the matrix (the kernel's own record of it): `allocations[i]` and
 * `rebalances[i]` hold the same numbers keyed by symbol, made from these on first read.
 */
export interface Holdings {
  /** The matrix's symbols (shared by every rebalance of one build). */
  symbols: readonly string[];
  /** Matrix columns held, ascending. */
  columns: Int32Array;
  /** Raw weights of the method before capping (`weights_before`), per held column. */
  before: Float64Array;
  /** Target weights after caps (`weights_after`, the allocation's `weights`). */
  after: Float64Array;
  /** Index units held (the allocation's `shares`). */
  units: Float64Array;
}

export interface IndexBuild {
  levels: IndexLevel[];
  allocations: Allocation[];
  rebalances: Rebalance[];
  /** The same rebalances as columns, in the same order (what the row writer reads). */
  holdings: Holdings[];
  /** Constituents that were never in the index, and why. */
  excluded: Exclusion[];
}

export type IndexProblem =
  | "no_constituents"
  | "invalid_base_value"
  | "invalid_custom_weights"
  | "infeasible_caps"
  | "no_prices"
  | "no_eligible_constituents"
  | "insufficient_history"
  | "infeasible_constraints"
  | "zero_variance";

/** The implied-shares schedule of one symbol: cap ÷ close on the cap's date, so caps move with the price between observations. */
export function impliedSharesSchedule(
  caps: readonly MarketCapPoint[] | undefined,
  prices: PriceHistory[string] | undefined,
): ImpliedShares[] | null {
  if (!caps || !prices || prices.length === 0) return null;
  const out: ImpliedShares[] = [];
  for (const c of caps) {
    if (!(Number.isFinite(c.value) && c.value > 0)) continue;
    const onOrBefore = closeOnOrBefore(prices, c.date);
    const close = onOrBefore ?? prices[Math.min(firstOnOrAfter(prices, c.date), prices.length - 1)]?.close;
    if (close !== undefined && close > 0) out.push({ date: c.date, shares: c.value / close });
  }
  return out.length > 0 ? out : null;
}

/**
 * The factor schedule of one symbol's adjusted closes, dated by its own bars: an entry at its first bar and at each
 * bar whose factor differs from the bar before. Null when nothing adjusts it (every factor 1) or it has no bars.
 * Segment bounds are calendar dates; dating the entries by bars means a price carried over a split or ex-date the
 * symbol did not trade on is still divided by the factor of the bar it came from.
 */
export function priceFactorSchedule(
  segments: readonly FactorSegment[] | undefined,
  prices: PriceHistory[string] | undefined,
): PriceFactor[] | null {
  if (!segments || segments.length === 0 || !prices || prices.length === 0) return null;
  const out: PriceFactor[] = [];
  let k = 0;
  let previous = Number.NaN;
  for (const { date } of prices) {
    while (k < segments.length - 1 && date >= (segments[k] as FactorSegment).to_date) k++;
    const segment = segments[k] as FactorSegment;
    // Before the first segment (none: segments start at FIRST_DATE) or after the last, nothing adjusts.
    const factor = date >= segment.from_date && date < segment.to_date ? segment.factor : 1;
    if (factor !== previous) out.push({ date, factor });
    previous = factor;
  }
  return out.every((e) => e.factor === 1) ? null : out;
}

/** Validates the rules that do not depend on prices (a 422 before any build is queued). */
export function indexRulesProblem(
  constituents: readonly string[],
  rules: IndexRules,
): { reason: IndexProblem; detail: string; field: string } | null {
  if (constituents.length === 0) {
    return { reason: "no_constituents", detail: "an index needs a constituent", field: "constituents" };
  }
  if (!(Number.isFinite(rules.baseValue) && rules.baseValue > 0)) {
    return { reason: "invalid_base_value", detail: "base_value must be a positive number", field: "base_value" };
  }
  if (rules.weighting === "custom") {
    const check = rawWeights("custom", { symbols: constituents, customWeights: rules.customWeights ?? {} });
    if (!check.ok) return { reason: "invalid_custom_weights", detail: check.detail, field: "weights" };
  }
  const caps = capsProblem(constituents.length, rules);
  if (!caps) return null;
  // The field to blame: min_weight when it alone makes the caps impossible, else max_weight.
  const field =
    caps.reason === "min_weight_infeasible" || caps.detail.startsWith("min_weight") ? "min_weight" : "max_weight";
  return { reason: "infeasible_caps", detail: caps.detail, field };
}
