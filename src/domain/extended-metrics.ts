// The v1.1 additions to an index's metrics: tail, shape, capture and drawdown-duration measures, and turnover.
import {
  alignByDate,
  dailyReturns,
  historicalVar,
  type LevelPoint,
  mean,
  sampleStdev,
  TRADING_DAYS_PER_YEAR,
} from "./metrics";

export interface ExtendedMetrics {
  calmar: number | null;
  omega: number | null;
  treynor: number | null;
  up_capture: number | null;
  down_capture: number | null;
  r_squared: number | null;
  downside_beta: number | null;
  skew: number | null;
  kurtosis: number | null;
  best_day: number | null;
  worst_day: number | null;
  hit_rate: number | null;
  max_drawdown_duration_days: number | null;
  recovery_date: string | null;
  var_99: number | null;
  cvar_99: number | null;
  var_95_parametric: number | null;
  var_95_cornish_fisher: number | null;
  annual_turnover: number | null;
}

/** Φ⁻¹(0.05). */
const Z_95 = -1.6448536269514722;

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Adjusted Fisher-Pearson skewness G₁ = n/((n−1)(n−2)) Σ((x − x̄)/s)³ (Excel SKEW, pandas skew); null below 3 points. */
export function sampleSkewness(xs: ArrayLike<number>): number | null {
  const n = xs.length;
  if (n < 3) return null;
  const m = mean(xs);
  const s = sampleStdev(xs);
  if (!(s > 0)) return null;
  let c = 0;
  for (let i = 0; i < n; i++) c += (((xs[i] as number) - m) / s) ** 3;
  return finite((n / ((n - 1) * (n - 2))) * c);
}

/** Bias-corrected excess kurtosis G₂ (Excel KURT, pandas kurt); null below 4 points. */
export function sampleExcessKurtosis(xs: ArrayLike<number>): number | null {
  const n = xs.length;
  if (n < 4) return null;
  const m = mean(xs);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - m;
    m2 += d * d;
    m4 += d ** 4;
  }
  if (!(m2 > 0)) return null;
  const s2 = m2 / (n - 1);
  const g =
    ((n * (n + 1)) / ((n - 1) * (n - 2) * (n - 3))) * (m4 / (s2 * s2)) - (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
  return finite(g);
}

/**
 * The longest drawdown (peak to recovery, or to the last date when not recovered) in calendar days, and
 * the date the deepest drawdown recovered its peak (first close at or above it; null while under water).
 */
export function drawdownDurations(levels: readonly LevelPoint[]): {
  longestDays: number | null;
  recoveryDate: string | null;
} {
  if (levels.length < 2) return { longestDays: null, recoveryDate: null };
  const days = (a: string, b: string) =>
    Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
  let peakIndex = 0;
  let longest = 0;
  let deepest = 0;
  let deepestPeak = -1;
  for (let i = 1; i < levels.length; i++) {
    const v = (levels[i] as LevelPoint).value;
    const peak = (levels[peakIndex] as LevelPoint).value;
    if (v >= peak) {
      if (i - peakIndex > 1 || v < peak)
        longest = Math.max(longest, days((levels[peakIndex] as LevelPoint).date, (levels[i] as LevelPoint).date));
      peakIndex = i;
      continue;
    }
    const depth = 1 - v / peak;
    if (depth > deepest) {
      deepest = depth;
      deepestPeak = peakIndex;
    }
    longest = Math.max(longest, days((levels[peakIndex] as LevelPoint).date, (levels[i] as LevelPoint).date));
  }
  let recoveryDate: string | null = null;
  if (deepestPeak >= 0) {
    const peakValue = (levels[deepestPeak] as LevelPoint).value;
    let troughSeen = false;
    for (let i = deepestPeak + 1; i < levels.length; i++) {
      const v = (levels[i] as LevelPoint).value;
      if (v < peakValue) troughSeen = true;
      else if (troughSeen) {
        recoveryDate = (levels[i] as LevelPoint).date;
        break;
      }
    }
  }
  return { longestDays: longest, recoveryDate };
}

export interface ExtendedMetricsInputs {
  levels: readonly LevelPoint[];
  benchmark?: readonly LevelPoint[] | null;
  /** Rebalances inside the window with their one-way turnover; the first purchase (turnover 1 on day one) is left out by the caller or here by date. */
  rebalances?: readonly { date: string; turnover: number }[];
  riskFreeRate?: number;
  /** From riskMetrics: CAGR, max drawdown and beta, so the conventions stay in one place. */
  cagr: number | null;
  maxDrawdown: number | null;
  beta: number | null;
}

/**
 * Conventions: Calmar = CAGR / max drawdown; Omega at the daily risk-free threshold τ = Σ(r − τ)⁺ / Σ(τ − r)⁺;
 * Treynor = 252·mean(r − τ) / β; capture ratios are arithmetic means of daily returns on the benchmark's up
 * (r_b > 0) and down (r_b < 0) days, index over benchmark; downside beta = cov/var on the benchmark's down
 * days; parametric VaR = −(μ + zσ) and Cornish-Fisher VaR replaces z with
 * z + (z² − 1)S/6 + (z³ − 3z)K/24 − (2z³ − 5z)S²/36 (S skew, K excess kurtosis); annual turnover = Σ turnover of
 * the rebalances after the first date ÷ (returns/252).
 */
export function extendedMetrics(input: ExtendedMetricsInputs): ExtendedMetrics {
  const { levels } = input;
  const rfDaily = (input.riskFreeRate ?? 0) / TRADING_DAYS_PER_YEAR;
  const r = dailyReturns(levels.map((l) => l.value));
  const n = r.length;
  const out: ExtendedMetrics = {
    calmar:
      input.cagr !== null && input.maxDrawdown !== null && input.maxDrawdown > 0
        ? finite(input.cagr / input.maxDrawdown)
        : null,
    omega: null,
    treynor: null,
    up_capture: null,
    down_capture: null,
    r_squared: null,
    downside_beta: null,
    skew: sampleSkewness(r),
    kurtosis: sampleExcessKurtosis(r),
    best_day: null,
    worst_day: null,
    hit_rate: null,
    max_drawdown_duration_days: null,
    recovery_date: null,
    var_99: null,
    cvar_99: null,
    var_95_parametric: null,
    var_95_cornish_fisher: null,
    annual_turnover: null,
  };
  if (n >= 1) {
    let gains = 0;
    let losses = 0;
    let up = 0;
    let best = Number.NEGATIVE_INFINITY;
    let worst = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const x = r[i] as number;
      gains += Math.max(0, x - rfDaily);
      losses += Math.max(0, rfDaily - x);
      if (x > 0) up++;
      best = Math.max(best, x);
      worst = Math.min(worst, x);
    }
    out.omega = losses > 0 ? finite(gains / losses) : null;
    out.best_day = best;
    out.worst_day = worst;
    out.hit_rate = up / n;
    if (input.beta !== null && input.beta !== 0)
      out.treynor = finite(((mean(r) - rfDaily) * TRADING_DAYS_PER_YEAR) / input.beta);
  }
  const tail = historicalVar(r, 0.99);
  out.var_99 = tail.var;
  out.cvar_99 = tail.cvar;
  if (n >= 2) {
    const mu = mean(r);
    const sd = sampleStdev(r);
    out.var_95_parametric = finite(-(mu + Z_95 * sd));
    const s = out.skew;
    const k = out.kurtosis;
    if (s !== null && k !== null) {
      const z = Z_95;
      const zcf = z + ((z * z - 1) * s) / 6 + ((z ** 3 - 3 * z) * k) / 24 - ((2 * z ** 3 - 5 * z) * s * s) / 36;
      out.var_95_cornish_fisher = finite(-(mu + zcf * sd));
    }
  }
  const durations = drawdownDurations(levels);
  out.max_drawdown_duration_days = durations.longestDays;
  out.recovery_date = durations.recoveryDate;
  if (input.rebalances && n >= 1) {
    const first = levels[0]?.date ?? "";
    const traded = input.rebalances.filter((x) => x.date > first).reduce((a, x) => a + x.turnover, 0);
    out.annual_turnover = traded / (n / TRADING_DAYS_PER_YEAR);
  }
  if (input.benchmark && input.benchmark.length > 0) Object.assign(out, benchmarkShape(levels, input.benchmark));
  return out;
}

function benchmarkShape(
  levels: readonly LevelPoint[],
  benchmark: readonly LevelPoint[],
): Pick<ExtendedMetrics, "up_capture" | "down_capture" | "r_squared" | "downside_beta"> {
  const joined = alignByDate(levels, benchmark);
  const rp = dailyReturns(joined.a);
  const rb = dailyReturns(joined.b);
  const upP: number[] = [];
  const upB: number[] = [];
  const downP: number[] = [];
  const downB: number[] = [];
  for (let i = 0; i < rb.length; i++) {
    if ((rb[i] as number) > 0) {
      upP.push(rp[i] as number);
      upB.push(rb[i] as number);
    } else if ((rb[i] as number) < 0) {
      downP.push(rp[i] as number);
      downB.push(rb[i] as number);
    }
  }
  const capture = (p: number[], b: number[]) => (p.length > 0 ? finite(mean(p) / mean(b)) : null);
  let downsideBeta: number | null = null;
  if (downB.length >= 2) {
    const mb = mean(downB);
    const mp = mean(downP);
    let cov = 0;
    let varB = 0;
    for (let i = 0; i < downB.length; i++) {
      cov += ((downP[i] as number) - mp) * ((downB[i] as number) - mb);
      varB += ((downB[i] as number) - mb) ** 2;
    }
    downsideBeta = varB > 0 ? finite(cov / varB) : null;
  }
  let rSquared: number | null = null;
  if (rp.length >= 2) {
    const sp = sampleStdev(rp);
    const sb = sampleStdev(rb);
    if (sp > 0 && sb > 0) {
      const mp = mean(rp);
      const mb = mean(rb);
      let c = 0;
      for (let i = 0; i < rp.length; i++) c += ((rp[i] as number) - mp) * ((rb[i] as number) - mb);
      rSquared = finite((c / (rp.length - 1) / (sp * sb)) ** 2);
    }
  }
  return {
    up_capture: capture(upP, upB),
    down_capture: capture(downP, downB),
    r_squared: rSquared,
    downside_beta: downsideBeta,
  };
}
