// Risk and return metrics of a daily level series (index, simulation or benchmark), as API.md defines them.

export const TRADING_DAYS_PER_YEAR = 252;

export interface LevelPoint {
  date: string;
  value: number;
}

export type MetricsWindow = "1y" | "3y" | "5y" | "ytd" | "all";

export interface RiskMetrics {
  total_return: number | null;
  cagr: number | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown: number | null;
  max_drawdown_start: string | null;
  max_drawdown_end: string | null;
  var_95: number | null;
  cvar_95: number | null;
  beta: number | null;
  alpha: number | null;
  tracking_error: number | null;
  information_ratio: number | null;
  correlation: number | null;
}

export interface MetricsOptions {
  /** Annual risk-free rate as a fraction (0.04 = 4%); from configuration, default 0. */
  riskFreeRate?: number;
}

/** Fewest daily returns for which the 5% tail holds one whole observation (⌈0.05 × 20⌉ = 1). */
export const MIN_RETURNS_FOR_VAR = 20;

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Simple daily returns v[i]/v[i−1] − 1 (length n − 1). */
export function dailyReturns(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, values.length - 1));
  for (let i = 1; i < values.length; i++) out[i - 1] = (values[i] as number) / (values[i - 1] as number) - 1;
  return out;
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

/** Sample (n − 1) standard deviation; NaN below two observations. */
export function sampleStdev(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((xs[i] as number) - m) ** 2;
  return Math.sqrt(ss / (n - 1));
}

/** Sample covariance (n − 1). */
function sampleCovariance(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length;
  const mx = mean(xs);
  const my = mean(ys);
  let s = 0;
  for (let i = 0; i < n; i++) s += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  return s / (n - 1);
}

/** Pearson correlation; NaN when either side is constant or there are fewer than two pairs. */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  if (xs.length < 2) return Number.NaN;
  const sx = sampleStdev(xs);
  const sy = sampleStdev(ys);
  if (sx === 0 || sy === 0) return Number.NaN;
  return sampleCovariance(xs, ys) / (sx * sy);
}

/** Deepest peak-to-trough fall as a positive fraction, with the peak and trough dates; 0 and nulls when none. */
export function maxDrawdown(levels: readonly LevelPoint[]): {
  depth: number;
  start: string | null;
  end: string | null;
} {
  let peak = 0;
  let best = { depth: 0, start: null as string | null, end: null as string | null };
  for (let i = 0; i < levels.length; i++) {
    const v = (levels[i] as LevelPoint).value;
    if (v > (levels[peak] as LevelPoint).value) peak = i;
    const depth = 1 - v / (levels[peak] as LevelPoint).value;
    if (depth > best.depth) {
      best = { depth, start: (levels[peak] as LevelPoint).date, end: (levels[i] as LevelPoint).date };
    }
  }
  return best;
}

/**
 * Historical one-day VaR and CVaR at 95%, as positive losses. The 5% quantile is the k-th smallest return
 * with k = ⌈0.05·n⌉ (the inverse empirical CDF, no interpolation); VaR = −that return; CVaR = −mean of the
 * k smallest returns, so CVaR ≥ VaR always. Null below MIN_RETURNS_FOR_VAR returns.
 */
export function historicalVar(returns: ArrayLike<number>, level = 0.95): { var: number | null; cvar: number | null } {
  const n = returns.length;
  if (n < MIN_RETURNS_FOR_VAR) return { var: null, cvar: null };
  const sorted = Float64Array.from(returns).sort();
  const k = Math.max(1, Math.ceil((1 - level) * n - 1e-9));
  let tail = 0;
  for (let i = 0; i < k; i++) tail += sorted[i] as number;
  return { var: finite(-(sorted[k - 1] as number)), cvar: finite(-tail / k) };
}

/** Inner join of two level series on date, in date order. */
export function alignByDate(
  a: readonly LevelPoint[],
  b: readonly LevelPoint[],
): { dates: string[]; a: number[]; b: number[] } {
  const other = new Map(b.map((p) => [p.date, p.value]));
  const out = { dates: [] as string[], a: [] as number[], b: [] as number[] };
  for (const p of a) {
    const v = other.get(p.date);
    if (v !== undefined) {
      out.dates.push(p.date);
      out.a.push(p.value);
      out.b.push(v);
    }
  }
  return out;
}

/**
 * All metrics of `levels` (ascending by date), with the benchmark-relative ones against `benchmark` over
 * the dates both have. Annualisation: 252 days. Sharpe = (mean r − rf/252)/sd × √252. Sortino uses the
 * downside deviation √(Σ min(0, r − rf/252)² / n) over all n days (days above the target count as 0).
 * Alpha is Jensen's, annualised arithmetically: 252 × [mean(r − rf_d) − β·mean(r_b − rf_d)].
 * Anything undefined for the data given (too few points, zero variance) is null, never NaN or Infinity.
 */
export function riskMetrics(
  levels: readonly LevelPoint[],
  benchmark?: readonly LevelPoint[] | null,
  options: MetricsOptions = {},
): RiskMetrics {
  const rfDaily = (options.riskFreeRate ?? 0) / TRADING_DAYS_PER_YEAR;
  const root = Math.sqrt(TRADING_DAYS_PER_YEAR);
  const values = levels.map((l) => l.value);
  const r = dailyReturns(values);
  const n = r.length;
  const first = values[0];
  const last = values[values.length - 1];
  const totalReturn = n >= 1 && first !== undefined && last !== undefined ? last / first - 1 : Number.NaN;
  const cagr = n >= 1 ? (1 + totalReturn) ** (TRADING_DAYS_PER_YEAR / n) - 1 : Number.NaN;
  const sd = sampleStdev(r);
  const excessMean = n >= 1 ? mean(r) - rfDaily : Number.NaN;
  let downside = 0;
  for (let i = 0; i < n; i++) downside += Math.min(0, (r[i] as number) - rfDaily) ** 2;
  const dd = Math.sqrt(downside / n);
  const drawdown = maxDrawdown(levels);
  const tail = historicalVar(r);

  const out: RiskMetrics = {
    total_return: finite(totalReturn),
    cagr: finite(cagr),
    volatility: finite(sd * root),
    sharpe: n >= 2 && sd > 0 ? finite((excessMean / sd) * root) : null,
    sortino: n >= 2 && dd > 0 ? finite((excessMean / dd) * root) : null,
    max_drawdown: levels.length >= 2 ? drawdown.depth : null,
    max_drawdown_start: drawdown.start,
    max_drawdown_end: drawdown.end,
    var_95: tail.var,
    cvar_95: tail.cvar,
    beta: null,
    alpha: null,
    tracking_error: null,
    information_ratio: null,
    correlation: null,
  };
  if (benchmark && benchmark.length > 0) Object.assign(out, relativeMetrics(levels, benchmark, options));
  return out;
}

/** The benchmark-relative metrics alone, over the dates both series have. */
export function relativeMetrics(
  levels: readonly LevelPoint[],
  benchmark: readonly LevelPoint[],
  options: MetricsOptions = {},
): Pick<RiskMetrics, "beta" | "alpha" | "tracking_error" | "information_ratio" | "correlation"> {
  const rfDaily = (options.riskFreeRate ?? 0) / TRADING_DAYS_PER_YEAR;
  const root = Math.sqrt(TRADING_DAYS_PER_YEAR);
  const joined = alignByDate(levels, benchmark);
  const rp = dailyReturns(joined.a);
  const rb = dailyReturns(joined.b);
  const n = rp.length;
  if (n < 2) return { beta: null, alpha: null, tracking_error: null, information_ratio: null, correlation: null };
  const varB = sampleStdev(rb) ** 2;
  const beta = varB > 0 ? sampleCovariance(rp, rb) / varB : Number.NaN;
  const alpha = (mean(rp) - rfDaily - beta * (mean(rb) - rfDaily)) * TRADING_DAYS_PER_YEAR;
  const active = rp.map((x, i) => x - (rb[i] as number));
  const teDaily = sampleStdev(active);
  return {
    beta: finite(beta),
    alpha: finite(alpha),
    tracking_error: finite(teDaily * root),
    information_ratio: teDaily > 0 ? finite((mean(active) / teDaily) * root) : null,
    correlation: finite(pearson(rp, rb)),
  };
}

const pad = (x: number) => String(x).padStart(2, "0");

/** `date` moved back `years` calendar years; Feb 29 becomes Feb 28 in a common year. */
function yearsBefore(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) - years;
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return `${y}-${pad(m)}-${pad(m === 2 && d === 29 && !leap ? 28 : d)}`;
}

/**
 * First date of a metrics window over ascending `dates`, so returns are measured from that date's close:
 * for 1y/3y/5y the last session on or before the same calendar day N years before the latest date; for ytd
 * the last session of the previous year (the close YTD returns are quoted from). When history is shorter,
 * the window starts at the first date. Null for no dates.
 */
export function windowStart(dates: readonly string[], window: MetricsWindow): string | null {
  const last = dates[dates.length - 1];
  const first = dates[0];
  if (last === undefined || first === undefined) return null;
  if (window === "all") return first;
  const anchor = window === "ytd" ? `${Number(last.slice(0, 4)) - 1}-12-31` : yearsBefore(last, Number(window[0]));
  let found: string | null = null;
  for (const d of dates) {
    if (d > anchor) break;
    found = d;
  }
  return found ?? first;
}

/** `levels` from the window's start onwards. */
export function sliceWindow<T extends { date: string }>(levels: readonly T[], window: MetricsWindow): T[] {
  const start = windowStart(
    levels.map((l) => l.date),
    window,
  );
  return start === null ? [] : levels.filter((l) => l.date >= start);
}

/** Which days a metrics window used: `observations` daily returns from `start`'s close to `end`'s. */
export interface WindowCoverage {
  start: string | null;
  end: string | null;
  observations: number;
  /** The window asked for reaches before the first date: the history is shorter, so it starts there instead. */
  window_truncated: boolean;
}

/** The coverage of `window` over ascending `dates` (see `windowStart`). */
export function windowCoverage(dates: readonly string[], window: MetricsWindow): WindowCoverage {
  const start = windowStart(dates, window);
  const first = dates[0];
  const last = dates[dates.length - 1];
  if (start === null || first === undefined || last === undefined)
    return { start: null, end: null, observations: 0, window_truncated: window !== "all" };
  const anchor =
    window === "all"
      ? first
      : window === "ytd"
        ? `${Number(last.slice(0, 4)) - 1}-12-31`
        : yearsBefore(last, Number(window[0]));
  let used = 0;
  for (const d of dates) if (d >= start) used++;
  return { start, end: last, observations: Math.max(0, used - 1), window_truncated: anchor < first };
}
