// Deterministic synthetic market data for domain tests (seeded random walks on a weekday calendar).
import type { PricePoint } from "../../src/domain/price-matrix";

export { weekdays } from "../helpers/dates";

/** mulberry32: a tiny seeded PRNG so every run sees the same "market". */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A geometric random walk with daily volatility `vol` (Box–Muller normals). */
export function randomWalk(
  dates: readonly string[],
  rand: () => number,
  start = 100,
  vol = 0.02,
  drift = 0.0003,
): PricePoint[] {
  let price = start;
  return dates.map((date, i) => {
    if (i > 0) {
      const z = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
      price *= Math.exp(drift + vol * z);
    }
    return { date, close: price };
  });
}

export const series = (pairs: Record<string, number>): PricePoint[] =>
  Object.entries(pairs).map(([date, close]) => ({ date, close }));
