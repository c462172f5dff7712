// Rolling metrics of a level series over a trailing window of sessions: volatility, Sharpe, beta, drawdown.
import { alignByDate, dailyReturns, type LevelPoint, TRADING_DAYS_PER_YEAR } from "./metrics";

export type RollingMetric = "volatility" | "sharpe" | "beta" | "drawdown";
export const ROLLING_WINDOWS = [63, 126, 252] as const;

export interface RollingPoint {
  date: string;
  value: number | null;
}

/**
 * One point per date with a full window behind it: volatility = sample sd of the last `window` daily returns
 * × √252; Sharpe = (mean − rf/252)/sd × √252; beta = cov/var against the benchmark on the dates both have;
 * drawdown = 1 − level / the highest level of the last `window` + 1 closes (a positive fraction).
 * Running sums make each series O(n).
 */
export function rollingMetric(
  metric: RollingMetric,
  levels: readonly LevelPoint[],
  window: number,
  options: { benchmark?: readonly LevelPoint[] | null; riskFreeRate?: number } = {},
): RollingPoint[] {
  const rfDaily = (options.riskFreeRate ?? 0) / TRADING_DAYS_PER_YEAR;
  if (metric === "drawdown") {
    const out: RollingPoint[] = [];
    const deque: number[] = []; // indexes of a decreasing run of levels: the window maximum is at the front
    for (let i = 0; i < levels.length; i++) {
      const v = (levels[i] as LevelPoint).value;
      while (deque.length > 0 && (levels[deque[deque.length - 1] as number] as LevelPoint).value <= v) deque.pop();
      deque.push(i);
      if ((deque[0] as number) < i - window) deque.shift();
      if (i >= window)
        out.push({
          date: (levels[i] as LevelPoint).date,
          value: 1 - v / (levels[deque[0] as number] as LevelPoint).value,
        });
    }
    return out;
  }
  const dates = metric === "beta" ? alignByDate(levels, options.benchmark ?? []) : null;
  const series = dates ? dates.a : levels.map((l) => l.value);
  const dateOf = dates ? dates.dates : levels.map((l) => l.date);
  const r = dailyReturns(series);
  const b = dates ? dailyReturns(dates.b) : null;
  const out: RollingPoint[] = [];
  let sx = 0;
  let sxx = 0;
  let sy = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < r.length; i++) {
    const x = r[i] as number;
    const y = b ? (b[i] as number) : 0;
    sx += x;
    sxx += x * x;
    sy += y;
    syy += y * y;
    sxy += x * y;
    if (i >= window) {
      const ox = r[i - window] as number;
      const oy = b ? (b[i - window] as number) : 0;
      sx -= ox;
      sxx -= ox * ox;
      sy -= oy;
      syy -= oy * oy;
      sxy -= ox * oy;
    }
    if (i < window - 1) continue;
    const n = window;
    const varX = Math.max(0, (sxx - (sx * sx) / n) / (n - 1));
    const sd = Math.sqrt(varX);
    let value: number | null;
    if (metric === "volatility") value = sd * Math.sqrt(TRADING_DAYS_PER_YEAR);
    else if (metric === "sharpe") value = sd > 0 ? ((sx / n - rfDaily) / sd) * Math.sqrt(TRADING_DAYS_PER_YEAR) : null;
    else {
      const varY = (syy - (sy * sy) / n) / (n - 1);
      value = varY > 0 ? (sxy - (sx * sy) / n) / (n - 1) / varY : null;
    }
    out.push({ date: dateOf[i + 1] as string, value: value !== null && Number.isFinite(value) ? value : null });
  }
  return out;
}
