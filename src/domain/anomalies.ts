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
 * Robust z-scores of `xs`. When more than half the values are equal the MAD is 0; the mean absolute
 * deviation × 1.2533 (its σ factor for normal data) stands in, as Iglewicz–Hoaglin suggest. All zeros
 * (a perfectly flat series) means nothing can be scored.
 */
export function robustZScores(xs: readonly number[]): { scores: number[]; median: number } | null {
  if (xs.length < 3) return null;
  const m = median(xs);
  const deviations = xs.map((x) => Math.abs(x - m));
  let scale = MAD_TO_SIGMA * median(deviations);
  if (scale === 0) scale = 1.2533 * (deviations.reduce((a, b) => a + b, 0) / deviations.length);
  if (!(scale > 0)) return null;
  return { scores: xs.map((x) => (x - m) / scale), median: m };
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

/**
 * Days (ascending bars) whose daily return or volume scores beyond `threshold` robust σ, in date order.
 * Scores are over the whole range given, so the caller picks the baseline by the range it passes.
 */
export function detectAnomalies(bars: readonly AnomalyBar[], threshold = DEFAULT_THRESHOLD): Anomaly[] {
  if (!(Number.isFinite(threshold) && threshold > 0))
    throw new RangeError(`threshold must be positive, got ${threshold}`);
  const out: Anomaly[] = [];
  const returns = bars.slice(1).map((b, i) => b.close / (bars[i] as AnomalyBar).close - 1);
  const rz = robustZScores(returns);
  if (rz) {
    rz.scores.forEach((score, i) => {
      if (Math.abs(score) <= threshold) return;
      const value = returns[i] as number;
      out.push({
        date: (bars[i + 1] as AnomalyBar).date,
        kind: "return",
        value,
        score,
        reason: `return ${pct(value)} is ${Math.abs(score).toFixed(1)} robust σ ${score < 0 ? "below" : "above"} the median ${pct(rz.median)}`,
      });
    });
  }
  const withVolume = bars.filter((b) => typeof b.volume === "number" && Number.isFinite(b.volume));
  const vz = robustZScores(withVolume.map((b) => b.volume as number));
  if (vz) {
    vz.scores.forEach((score, i) => {
      if (Math.abs(score) <= threshold) return;
      const value = (withVolume[i] as AnomalyBar).volume as number;
      out.push({
        date: (withVolume[i] as AnomalyBar).date,
        kind: "volume",
        value,
        score,
        reason: `volume ${compact(value)} is ${Math.abs(score).toFixed(1)} robust σ ${score < 0 ? "below" : "above"} the median ${compact(vz.median)}`,
      });
    });
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.kind < b.kind ? -1 : 1));
}
