// Index weights: raw weights from the chosen method, then max/min caps with pro-rata redistribution.
import { failure, type Outcome, success } from "./outcome";

export type WeightingMethod = "market_cap" | "equal" | "price" | "custom";
export type Weights = Record<string, number>;

export interface WeightInputs {
  symbols: readonly string[];
  /** Needed for `market_cap`: one positive number per symbol. */
  marketCaps?: Readonly<Record<string, number>>;
  /** Needed for `price`: the price per symbol on the weighting date. */
  prices?: Readonly<Record<string, number>>;
  /** Needed for `custom`: any non-negative numbers; they are normalised to sum to 1. */
  customWeights?: Readonly<Record<string, number>>;
}

export interface WeightCaps {
  maxWeight?: number;
  minWeight?: number;
}

export type WeightingProblem =
  | "no_constituents"
  | "duplicate_constituent"
  | "missing_input"
  | "invalid_weight"
  | "unknown_constituent"
  | "zero_total"
  | "invalid_cap"
  | "min_above_max"
  | "max_weight_infeasible"
  | "min_weight_infeasible";

/** Slack for sums of floats such as 3 × 0.3333333333 that are meant to be exactly 1. */
const EPS = 1e-9;

/** Raw (pre-cap) weights that sum to 1, in the order of `inputs.symbols`. */
export function rawWeights(method: WeightingMethod, inputs: WeightInputs): Outcome<Weights, WeightingProblem> {
  const { symbols } = inputs;
  if (symbols.length === 0) return failure("no_constituents", "an index needs at least one constituent");
  if (new Set(symbols).size !== symbols.length) {
    return failure("duplicate_constituent", "each constituent may appear only once");
  }
  if (method === "equal") return success(Object.fromEntries(symbols.map((s) => [s, 1 / symbols.length])));

  const source =
    method === "market_cap" ? inputs.marketCaps : method === "price" ? inputs.prices : inputs.customWeights;
  const label = method === "market_cap" ? "market cap" : method === "price" ? "price" : "custom weight";
  if (!source) return failure("missing_input", `weighting "${method}" needs a ${label} per constituent`);
  if (method === "custom") {
    const unknown = Object.keys(source).filter((s) => !symbols.includes(s));
    if (unknown.length > 0) {
      return failure("unknown_constituent", `custom weights name non-constituents: ${unknown.join(", ")}`);
    }
  }
  const values: number[] = [];
  for (const s of symbols) {
    const v = source[s];
    if (v === undefined) return failure("missing_input", `no ${label} for ${s}`);
    if (!Number.isFinite(v) || v < 0) return failure("invalid_weight", `${label} for ${s} must be a number ≥ 0`);
    values.push(v);
  }
  const total = values.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return failure("zero_total", `the ${label}s sum to zero`);
  return success(Object.fromEntries(symbols.map((s, i) => [s, (values[i] ?? 0) / total])));
}

/** Why `caps` cannot hold for `count` constituents, or null when they can (checked before building: 422). */
export function capsProblem(count: number, caps: WeightCaps): { reason: WeightingProblem; detail: string } | null {
  const { maxWeight, minWeight } = caps;
  if (maxWeight !== undefined && !(Number.isFinite(maxWeight) && maxWeight > 0 && maxWeight <= 1)) {
    return { reason: "invalid_cap", detail: "max_weight must be in (0, 1]" };
  }
  if (minWeight !== undefined && !(Number.isFinite(minWeight) && minWeight >= 0 && minWeight < 1)) {
    return { reason: "invalid_cap", detail: "min_weight must be in [0, 1)" };
  }
  if (maxWeight !== undefined && minWeight !== undefined && minWeight > maxWeight) {
    return { reason: "min_above_max", detail: `min_weight ${minWeight} is above max_weight ${maxWeight}` };
  }
  if (maxWeight !== undefined && maxWeight * count < 1 - EPS) {
    return {
      reason: "max_weight_infeasible",
      detail: `max_weight ${maxWeight} × ${count} constituents < 1: the weights cannot sum to 1`,
    };
  }
  if (minWeight !== undefined && minWeight * count > 1 + EPS) {
    return {
      reason: "min_weight_infeasible",
      detail: `min_weight ${minWeight} × ${count} constituents > 1: the weights cannot sum to 1`,
    };
  }
  return null;
}

/**
 * Capped weights for raw weights `raw` (any non-negative numbers with a positive sum), as a new array.
 *
 * Repeatedly capping the over-weight constituents and handing the excess to the others pro rata ends at
 * w_i = clamp(λ·raw_i, min, max) for the one λ that makes the weights sum to 1: the capped ones sit at a
 * bound and every free one keeps its raw proportion. This solves for λ directly, walking the breakpoints of
 * the piecewise-linear Σ clamp(λ·raw_i), so it is exact and O(n log n) instead of an open-ended loop.
 * The caller must have checked feasibility (`capsProblem`); infeasible caps here throw.
 */
export function capWeightArray(raw: ArrayLike<number>, maxWeight = 1, minWeight = 0): Float64Array {
  const n = raw.length;
  const out = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) total += raw[i] as number;
  if (!(total > 0)) throw new RangeError("raw weights must have a positive sum");
  if (maxWeight * n < 1 - EPS || minWeight * n > 1 + EPS || minWeight > maxWeight) {
    throw new RangeError(`caps [${minWeight}, ${maxWeight}] infeasible for ${n} constituents`);
  }
  if (minWeight * n >= 1 - EPS || maxWeight * n <= 1 + EPS) {
    out.fill(1 / n); // the bounds leave exactly one answer
    return out;
  }
  let below = false;
  let above = false;
  for (let i = 0; i < n; i++) {
    const r = (raw[i] as number) / total;
    out[i] = r;
    if (r > maxWeight) above = true;
    if (r < minWeight) below = true;
  }
  if (!above && !below) return out; // nothing binds: the usual case for equal weights

  // Each positive raw weight r leaves the min bound at λ = min/r and reaches the max bound at λ = max/r;
  // both event streams come in order of descending r, so one numeric sort orders them all.
  const sorted = Float64Array.from(out).sort();
  let firstPositive = 0;
  while (firstPositive < n && (sorted[firstPositive] as number) <= 0) firstPositive++;
  let enter = n - 1; // next weight to leave the min bound
  let leave = n - 1; // next weight to reach the max bound
  let atMin = n;
  let atMax = 0;
  // Neumaier-compensated running sum of the free raw mass: a tiny weight entering beside a large one
  // must survive the large one leaving again.
  let freeRaw = 0;
  let freeComp = 0;
  const addFree = (x: number) => {
    const t = freeRaw + x;
    freeComp += Math.abs(freeRaw) >= Math.abs(x) ? freeRaw - t + x : x - t + freeRaw;
    freeRaw = t;
  };
  let lambda = Number.NaN;
  while (leave >= firstPositive) {
    const enterLambda = enter >= firstPositive ? minWeight / (sorted[enter] as number) : Number.POSITIVE_INFINITY;
    const leaveLambda = maxWeight / (sorted[leave] as number);
    const entering = enterLambda <= leaveLambda;
    const eventLambda = entering ? enterLambda : leaveLambda;
    const free = freeRaw + freeComp;
    const sumHere = atMax * maxWeight + atMin * minWeight + eventLambda * free;
    if (sumHere >= 1 && free > 0) {
      lambda = (1 - atMax * maxWeight - atMin * minWeight) / free;
      break;
    }
    if (entering) {
      addFree(sorted[enter--] as number);
      atMin--;
    } else {
      addFree(-(sorted[leave--] as number));
      atMax++;
    }
  }
  if (Number.isNaN(lambda)) {
    // Every positive weight is at the max and the sum is still short: pro rata gives a zero raw weight
    // nothing, so the rest is shared equally among the zero-weight constituents (≤ max since n·max ≥ 1).
    const zeros = n - atMax;
    const share = zeros > 0 ? (1 - atMax * maxWeight) / zeros : 0;
    for (let i = 0; i < n; i++) out[i] = (raw[i] as number) > 0 ? maxWeight : share;
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = Math.min(maxWeight, Math.max(minWeight, lambda * (out[i] as number)));
  return out;
}

/** `weights` with the caps applied (see `capWeightArray`), or why the caps cannot hold. */
export function capWeights(weights: Readonly<Weights>, caps: WeightCaps): Outcome<Weights, WeightingProblem> {
  const symbols = Object.keys(weights);
  if (symbols.length === 0) return failure("no_constituents", "no weights to cap");
  const raw = symbols.map((s) => weights[s] as number);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i] as number;
    if (!Number.isFinite(v) || v < 0) return failure("invalid_weight", `weight for ${symbols[i]} must be ≥ 0`);
  }
  if (!(raw.reduce((a, b) => a + b, 0) > 0)) return failure("zero_total", "the weights sum to zero");
  const problem = capsProblem(symbols.length, caps);
  if (problem) return failure(problem.reason, problem.detail);
  const capped = capWeightArray(raw, caps.maxWeight ?? 1, caps.minWeight ?? 0);
  return success(Object.fromEntries(symbols.map((s, i) => [s, capped[i] as number])));
}

/** Raw then capped weights in one step, as the index builder records them (before and after capping). */
export function weighConstituents(
  method: WeightingMethod,
  inputs: WeightInputs,
  caps: WeightCaps,
): Outcome<{ before: Weights; after: Weights }, WeightingProblem> {
  const raw = rawWeights(method, inputs);
  if (!raw.ok) return raw;
  const capped = capWeights(raw.value, caps);
  if (!capped.ok) return capped;
  return success({ before: raw.value, after: capped.value });
}
