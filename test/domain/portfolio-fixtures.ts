// Seeded return series for the portfolio tests: deterministic, with a shared market factor so assets correlate.

/** Mulberry32: a tiny seeded PRNG, so every property and example is reproducible (the market fixtures' own). */
import { seededRandom as seeded } from "./market-fixtures";

export { seeded };

/** A standard normal draw by Box-Muller. */
export function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** `t` days of `n` assets: r = β·market + own noise, with per-asset volatility; row-major. */
export function factorReturns(
  t: number,
  n: number,
  seed: number,
): { observations: number; assets: number; values: Float64Array } {
  const rand = seeded(seed);
  const betas = Array.from({ length: n }, () => 0.5 + rand());
  const vols = Array.from({ length: n }, () => 0.005 + 0.02 * rand());
  const drifts = Array.from({ length: n }, () => (rand() - 0.3) * 0.002);
  const values = new Float64Array(t * n);
  for (let k = 0; k < t; k++) {
    const m = 0.01 * normal(rand);
    for (let i = 0; i < n; i++) {
      values[k * n + i] = (drifts[i] as number) + (betas[i] as number) * m + (vols[i] as number) * normal(rand);
    }
  }
  return { observations: t, assets: n, values };
}

/** A covariance matrix object from a plain nested array. */
export function matrixOf(rows: number[][]): { size: number; values: Float64Array; shrinkage: number } {
  return { size: rows.length, values: Float64Array.from(rows.flat()), shrinkage: 0 };
}
