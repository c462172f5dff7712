// Technical indicators over a daily series, aligned with the input (null until enough history).

export type IndicatorValue = number | null;

export interface MacdPoint {
  macd: number;
  signal: number | null;
  histogram: number | null;
}

export interface BollingerPoint {
  middle: number;
  upper: number;
  lower: number;
}

/** Throws RangeError for a window that is not a positive integer (the route maps it to 422). */
export function assertWindow(name: string, window: number, min = 1): void {
  if (!Number.isInteger(window) || window < min || window > 10_000) {
    throw new RangeError(`${name} must be an integer from ${min} to 10000, got ${window}`);
  }
}

/** Simple moving average; a running sum keeps it O(n) for any window. */
export function sma(values: readonly number[], window: number): IndicatorValue[] {
  assertWindow("window", window);
  const out: IndicatorValue[] = new Array(values.length).fill(null);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    if (i >= window) sum -= values[i - window] as number;
    if (i >= window - 1) out[i] = sum / window;
  }
  return out;
}

/**
 * Exponential moving average with α = 2/(window+1), seeded with the SMA of the first `window` values
 * (the common charting convention, so the first value does not dominate).
 */
export function ema(values: readonly number[], window: number): IndicatorValue[] {
  assertWindow("window", window);
  return smoothed(values, window, 2 / (window + 1));
}

/** SMA-seeded exponential smoothing with factor `alpha`; Wilder's smoothing is alpha = 1/window. */
function smoothed(values: readonly number[], window: number, alpha: number): IndicatorValue[] {
  const out: IndicatorValue[] = new Array(values.length).fill(null);
  if (values.length < window) return out;
  let prev = 0;
  for (let i = 0; i < window; i++) prev += values[i] as number;
  prev /= window;
  out[window - 1] = prev;
  for (let i = window; i < values.length; i++) {
    prev += alpha * ((values[i] as number) - prev);
    out[i] = prev;
  }
  return out;
}

/**
 * Wilder's RSI: average gain and loss seeded with the simple mean of the first `window` changes, then
 * smoothed by 1/window; 100 when there were no losses (and 50 when the price never moved).
 */
export function rsi(values: readonly number[], window = 14): IndicatorValue[] {
  assertWindow("window", window);
  const out: IndicatorValue[] = new Array(values.length).fill(null);
  if (values.length <= window) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= window; i++) {
    const d = (values[i] as number) - (values[i - 1] as number);
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= window;
  loss /= window;
  const value = () => (loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss));
  out[window] = value();
  for (let i = window + 1; i < values.length; i++) {
    const d = (values[i] as number) - (values[i - 1] as number);
    gain = (gain * (window - 1) + Math.max(d, 0)) / window;
    loss = (loss * (window - 1) + Math.max(-d, 0)) / window;
    out[i] = value();
  }
  return out;
}

/**
 * MACD line = EMA(fast) − EMA(slow) (each SMA-seeded on the prices), signal = EMA(signal) of the MACD
 * line seeded with the SMA of its first `signal` values, histogram = MACD − signal.
 */
export function macd(values: readonly number[], fast = 12, slow = 26, signal = 9): (MacdPoint | null)[] {
  assertWindow("fast", fast);
  assertWindow("slow", slow);
  assertWindow("signal", signal);
  if (fast >= slow) throw new RangeError("fast must be shorter than slow");
  const f = ema(values, fast);
  const s = ema(values, slow);
  const out: (MacdPoint | null)[] = new Array(values.length).fill(null);
  const line: number[] = [];
  for (let i = slow - 1; i < values.length; i++) line.push((f[i] as number) - (s[i] as number));
  const sig = line.length > 0 ? smoothed(line, signal, 2 / (signal + 1)) : [];
  line.forEach((m, k) => {
    const sv = sig[k] ?? null;
    out[k + slow - 1] = { macd: m, signal: sv, histogram: sv === null ? null : m - sv };
  });
  return out;
}

/** Bollinger bands: SMA(window) ± k × population standard deviation over the same window. */
export function bollinger(values: readonly number[], window = 20, k = 2): (BollingerPoint | null)[] {
  assertWindow("window", window);
  if (!(Number.isFinite(k) && k > 0)) throw new RangeError(`k must be a positive number, got ${k}`);
  const mid = sma(values, window);
  return mid.map((m, i) => {
    if (m === null) return null;
    let ss = 0;
    for (let j = i - window + 1; j <= i; j++) ss += ((values[j] as number) - m) ** 2;
    const sd = Math.sqrt(ss / window);
    return { middle: m, upper: m + k * sd, lower: m - k * sd };
  });
}

export interface Bar {
  high: number;
  low: number;
  close: number;
}

/**
 * Wilder's average true range. True range needs the previous close, so it starts on the second bar;
 * the first ATR is the mean of the first `window` true ranges (bar `window`), then smoothed by 1/window.
 */
export function atr(bars: readonly Bar[], window = 14): IndicatorValue[] {
  assertWindow("window", window);
  const out: IndicatorValue[] = new Array(bars.length).fill(null);
  const tr: number[] = [];
  for (let i = 1; i < bars.length; i++) {
    const b = bars[i] as Bar;
    const prev = (bars[i - 1] as Bar).close;
    tr.push(Math.max(b.high - b.low, Math.abs(b.high - prev), Math.abs(b.low - prev)));
  }
  smoothed(tr, window, 1 / window).forEach((v, i) => {
    out[i + 1] = v;
  });
  return out;
}
