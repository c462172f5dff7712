// Correlation matrix of daily returns across symbols, each pair over the dates both traded.

import { pearson } from "./metrics";
import type { PriceHistory, PricePoint } from "./price-matrix";

export interface CorrelationMatrix {
  symbols: string[];
  /** matrix[i][j]: Pearson correlation of daily returns; null when under `minObservations` or a side is flat. */
  matrix: (number | null)[][];
  /** Number of common daily returns behind each entry. */
  observations: number[][];
}

/**
 * Pairwise, not over the dates all symbols share, so one short history does not shrink every pair.
 * Returns are taken between consecutive common dates, so both sides of a pair cover the same span.
 */
export function correlationMatrix(
  prices: PriceHistory,
  symbols: readonly string[],
  minObservations = 3,
): CorrelationMatrix {
  const k = symbols.length;
  const matrix: (number | null)[][] = Array.from({ length: k }, () => new Array(k).fill(null));
  const observations: number[][] = Array.from({ length: k }, () => new Array(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const { a, b } = pairedReturns(prices[symbols[i] as string] ?? [], prices[symbols[j] as string] ?? []);
      const c = a.length >= minObservations ? pearson(a, b) : Number.NaN;
      // A series with itself is exactly 1 (when it can be correlated at all), not 1 − 2⁻⁵² from rounding.
      const value = Number.isFinite(c) ? (i === j ? 1 : Math.max(-1, Math.min(1, c))) : null;
      (matrix[i] as (number | null)[])[j] = value;
      (matrix[j] as (number | null)[])[i] = value;
      (observations[i] as number[])[j] = a.length;
      (observations[j] as number[])[i] = a.length;
    }
  }
  return { symbols: [...symbols], matrix, observations };
}

/** Daily returns of two series over the dates both have (ascending inputs; a merge walk, no maps). */
export function pairedReturns(x: readonly PricePoint[], y: readonly PricePoint[]): { a: number[]; b: number[] } {
  const a: number[] = [];
  const b: number[] = [];
  let i = 0;
  let j = 0;
  let prevX = Number.NaN;
  let prevY = Number.NaN;
  while (i < x.length && j < y.length) {
    const px = x[i] as PricePoint;
    const py = y[j] as PricePoint;
    if (px.date < py.date) i++;
    else if (py.date < px.date) j++;
    else {
      if (!Number.isNaN(prevX)) {
        a.push(px.close / prevX - 1);
        b.push(py.close / prevY - 1);
      }
      prevX = px.close;
      prevY = py.close;
      i++;
      j++;
    }
  }
  return { a, b };
}
