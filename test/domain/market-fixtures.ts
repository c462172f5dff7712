// Deterministic synthetic market data for domain tests (seeded random walks on a weekday calendar).
import type { PricePoint } from "../../src/domain/price-matrix";

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

/** `count` weekdays from `start` (holidays ignored: the domain only needs an ascending calendar). */
export function weekdays(start: string, count: number): string[] {
  const out: string[] = [];
  const d = new Date(`${start}T00:00:00Z`);
  while (out.length < count) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
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
