// The long-only feasible set of an optimised index (bounds per asset, caps per group, weights summing to 1):
// its feasibility, the exact Euclidean projection onto it, and the turnover limit toward a target.

export interface PortfolioConstraints {
  /** Lowest weight per asset (≥ 0). */
  lower: Float64Array;
  /** Highest weight per asset (≤ 1). */
  upper: Float64Array;
  /** Group (sector) of each asset as an index into `groupCaps`, or −1 for an asset in no capped group. */
  group?: Int32Array;
  /** Most total weight per group. */
  groupCaps?: Float64Array;
}

/** Slack for sums of floats meant to be exactly 1. */
const EPS = 1e-9;

/** Same bounds for every one of `n` assets. */
export function uniformConstraints(n: number, minWeight = 0, maxWeight = 1): PortfolioConstraints {
  return { lower: new Float64Array(n).fill(minWeight), upper: new Float64Array(n).fill(maxWeight) };
}

/** Why no weights satisfy `c`, or null when some do. */
export function constraintsProblem(c: PortfolioConstraints): string | null {
  const n = c.lower.length;
  let lowSum = 0;
  for (let i = 0; i < n; i++) {
    if (!((c.lower[i] as number) <= (c.upper[i] as number))) return "a lower bound is above its upper bound";
    lowSum += c.lower[i] as number;
  }
  if (lowSum > 1 + EPS) return "the lower bounds sum to more than 1";
  const groups = c.groupCaps?.length ?? 0;
  const groupLow = new Float64Array(groups);
  const groupHigh = new Float64Array(groups);
  let reachable = 0;
  for (let i = 0; i < n; i++) {
    const g = c.group?.[i] ?? -1;
    if (g < 0) reachable += c.upper[i] as number;
    else {
      (groupLow[g] as number) += c.lower[i] as number;
      (groupHigh[g] as number) += c.upper[i] as number;
    }
  }
  for (let g = 0; g < groups; g++) {
    const cap = c.groupCaps?.[g] as number;
    if ((groupLow[g] as number) > cap + EPS) return `group ${g}: its members' lower bounds exceed the group cap`;
    reachable += Math.min(cap, groupHigh[g] as number);
  }
  if (reachable < 1 - EPS) return "the caps leave less than 100% to allocate";
  return null;
}

/** Σ clamp(v_i − t, l_i, u_i) over `members` (all assets when null). */
function shiftedSum(
  v: ArrayLike<number>,
  c: PortfolioConstraints,
  t: number,
  members: readonly number[] | null,
): number {
  let s = 0;
  const n = members ? members.length : v.length;
  for (let k = 0; k < n; k++) {
    const i = members ? (members[k] as number) : k;
    s += Math.min(c.upper[i] as number, Math.max(c.lower[i] as number, (v[i] as number) - t));
  }
  return s;
}

/** The t at which a nonincreasing `sum(t)` meets `target`, by bisection. */
function solveShift(sum: (t: number) => number, target: number, lo: number, hi: number): number {
  // Weights live in [0, 1], so an absolute resolution near machine epsilon is as exact as doubles allow.
  for (let k = 0; k < 200 && hi - lo > 2e-16 * Math.max(1, Math.abs(lo), Math.abs(hi)); k++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (sum(mid) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface Projector {
  /** The nearest point of the feasible set to `v` (Euclidean), into `out`. */
  project(v: ArrayLike<number>, out?: Float64Array): Float64Array;
}

/**
 * The exact projection: KKT gives w_i = clamp(v_i − τ − η_g, l_i, u_i) with η_g ≥ 0 per capped group.
 * A group whose cap binds has total shift t_g (its own cap equation, independent of τ), so each asset's
 * shift is max(τ, t_g), and τ solves one monotone equation Σ w_i = 1. Feasibility must be checked first.
 */
export function portfolioProjector(c: PortfolioConstraints): Projector {
  const n = c.lower.length;
  const groups = c.groupCaps?.length ?? 0;
  const members: number[][] = Array.from({ length: groups }, () => []);
  for (let i = 0; i < n; i++) {
    const g = c.group?.[i] ?? -1;
    if (g >= 0) members[g]?.push(i);
  }
  const groupShift = new Float64Array(groups);
  return {
    project(v, out = new Float64Array(n)) {
      let vMin = Number.POSITIVE_INFINITY;
      let vMax = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        vMin = Math.min(vMin, (v[i] as number) - 1);
        vMax = Math.max(vMax, v[i] as number);
      }
      const lo = vMin - 1;
      const hi = vMax + 1;
      for (let g = 0; g < groups; g++) {
        const m = members[g] as number[];
        const cap = c.groupCaps?.[g] as number;
        groupShift[g] =
          shiftedSum(v, c, lo, m) <= cap
            ? Number.NEGATIVE_INFINITY
            : solveShift((t) => shiftedSum(v, c, t, m), cap, lo, hi);
      }
      const fill = (tau: number) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const g = c.group?.[i] ?? -1;
          const shift = g >= 0 ? Math.max(tau, groupShift[g] as number) : tau;
          const w = Math.min(c.upper[i] as number, Math.max(c.lower[i] as number, (v[i] as number) - shift));
          out[i] = w;
          s += w;
        }
        return s;
      };
      fill(solveShift(fill, 1, lo, hi));
      return out;
    },
  };
}

/** 0.5 × (Σ|w_i − current_i| + departed): the traded fraction, `departed` being the weight of names that leave. */
export function turnoverBetween(w: ArrayLike<number>, current: ArrayLike<number>, departed = 0): number {
  let s = departed;
  for (let i = 0; i < w.length; i++) s += Math.abs((w[i] as number) - (current[i] as number));
  return 0.5 * s;
}

export interface TurnoverLimited {
  weights: Float64Array;
  turnover: number;
  /** True when even the nearest feasible weights to the current ones trade more than the limit. */
  limitExceeded: boolean;
}

/**
 * Moves from the current (drifted) weights toward `target` along a straight line, as far as `maxTurnover`
 * allows. The line starts at the feasible point nearest the current weights (the current weights themselves
 * when they satisfy the constraints), so every point on it satisfies the constraints (a convex set); the
 * turnover along it is convex in the step, so bisection finds the largest allowed step.
 */
export function limitTurnover(
  target: Float64Array,
  current: Float64Array,
  maxTurnover: number,
  constraints: PortfolioConstraints,
  departed = 0,
): TurnoverLimited {
  const full = turnoverBetween(target, current, departed);
  if (full <= maxTurnover + 1e-12) return { weights: target, turnover: full, limitExceeded: false };
  const anchor = portfolioProjector(constraints).project(current);
  const at = (alpha: number) => {
    const w = new Float64Array(target.length);
    for (let i = 0; i < w.length; i++)
      w[i] = (anchor[i] as number) + alpha * ((target[i] as number) - (anchor[i] as number));
    return w;
  };
  const base = turnoverBetween(anchor, current, departed);
  if (base >= maxTurnover) return { weights: anchor, turnover: base, limitExceeded: base > maxTurnover + 1e-12 };
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 100; k++) {
    const mid = 0.5 * (lo + hi);
    if (turnoverBetween(at(mid), current, departed) <= maxTurnover) lo = mid;
    else hi = mid;
  }
  const weights = at(lo);
  return { weights, turnover: turnoverBetween(weights, current, departed), limitExceeded: false };
}
