// Flags days whose return or volume is far from typical, using robust z-scores that outliers cannot mask.

export interface AnomalyBar {
  date: string;
  close: number;
  volume?: number | null;
}

export interface Anomaly {
  date: string;
  kind: "return" | "volume";
  value: number;
  /** Robust z-score: (x − median) / (1.4826 × MAD). */
  score: number;
  reason: string;
}

/** 1.4826 × MAD estimates σ for normal data, so scores read like ordinary z-scores. */
export const MAD_TO_SIGMA = 1.4826;
/** Iglewicz and Hoaglin's cut-off for modified z-scores. */
export const DEFAULT_THRESHOLD = 3.5;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The median of `xs` and its robust σ: 1.4826 × MAD. When more than half the values are equal the MAD is 0; the
 * mean absolute deviation × 1.2533 (its σ factor for normal data) stands in, as Iglewicz–Hoaglin suggest. All
 * zeros (a perfectly flat series) means nothing can be scored: null.
 */
function robustCentre(xs: readonly number[]): { median: number; scale: number } | null {
  const m = median(xs);
  const deviations = xs.map((x) => Math.abs(x - m));
  let scale = MAD_TO_SIGMA * median(deviations);
  if (scale === 0) scale = 1.2533 * (deviations.reduce((a, b) => a + b, 0) / deviations.length);
  return scale > 0 ? { median: m, scale } : null;
}

/** Robust z-scores of `xs` against their own median and robust σ (`robustCentre`); null below 3 values. */
export function robustZScores(xs: readonly number[]): { scores: number[]; median: number } | null {
  if (xs.length < 3) return null;
  const c = robustCentre(xs);
  return c ? { scores: xs.map((x) => (x - c.median) / c.scale), median: c.median } : null;
}

const pct = (x: number) => `${x < 0 ? "-" : ""}${Math.abs(x * 100).toFixed(1)}%`;
const compact = (x: number) =>
  x >= 1e9
    ? `${(x / 1e9).toFixed(1)}B`
    : x >= 1e6
      ? `${(x / 1e6).toFixed(1)}M`
      : x >= 1e3
        ? `${(x / 1e3).toFixed(1)}K`
        : `${x}`;

export interface AnomalyOptions {
  /** Robust σ beyond which a day is flagged (default 3.5). */
  threshold?: number;
  /** Sessions of the trailing baseline each day is scored against (default 252, about a year). */
  lookback?: number;
  /** Baseline observations needed before a day is scored (default 20). */
  minObservations?: number;
}

/**
 * Days (ascending bars) whose daily return or volume scores beyond `threshold` robust σ, in date order. Each day is
 * scored against the `lookback` observations before it (not itself, nothing after it), so a day's score is the same
 * whatever range is asked for and never uses a later bar; the first `minObservations` of history are not scored.
 */
export function detectAnomalies(bars: readonly AnomalyBar[], options: AnomalyOptions = {}): Anomaly[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const lookback = options.lookback ?? 252;
  const minObservations = options.minObservations ?? 20;
  if (!(Number.isFinite(threshold) && threshold > 0))
    throw new RangeError(`threshold must be positive, got ${threshold}`);
  if (
    !(
      Number.isInteger(lookback) &&
      Number.isInteger(minObservations) &&
      minObservations >= 3 &&
      lookback >= minObservations
    )
  )
    throw new RangeError("lookback and minObservations must be integers with 3 ≤ minObservations ≤ lookback");
  const out: Anomaly[] = [];
  const flag = (kind: Anomaly["kind"], points: ReadonlyArray<{ date: string; value: number }>) => {
    for (let i = minObservations; i < points.length; i++) {
      const baseline = points.slice(Math.max(0, i - lookback), i).map((p) => p.value);
      const { date, value } = points[i] as { date: string; value: number };
      const c = robustCentre(baseline);
      const z = c && { score: (value - c.median) / c.scale, median: c.median };
      if (!z || Math.abs(z.score) <= threshold) continue;
      const shown = kind === "return" ? pct : compact;
      out.push({
        date,
        kind,
        value,
        score: z.score,
        reason: `${kind} ${shown(value)} is ${Math.abs(z.score).toFixed(1)} robust σ ${z.score < 0 ? "below" : "above"} the median ${shown(z.median)} of the previous ${baseline.length} sessions`,
      });
    }
  };
  flag(
    "return",
    bars.slice(1).map((b, i) => ({ date: b.date, value: b.close / (bars[i] as AnomalyBar).close - 1 })),
  );
  flag(
    "volume",
    bars
      .filter((b) => typeof b.volume === "number" && Number.isFinite(b.volume))
      .map((b) => ({ date: b.date, value: b.volume as number })),
  );
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.kind < b.kind ? -1 : 1));
}
