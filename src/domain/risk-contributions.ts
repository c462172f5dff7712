// How much of a portfolio's risk each holding carries: marginal contributions and their shares (Euler allocation).
import { type CovarianceMatrix, multiply } from "./covariance";

export interface RiskContribution {
  weight: number;
  /** ∂σ/∂w_i = (Σw)_i / σ: the change in portfolio volatility per unit of weight. */
  marginal: number;
  /** w_i (Σw)_i / σ²: the share of the variance, summing to 1 across holdings. */
  contribution_pct: number;
}

/**
 * Euler decomposition σ = Σ_i w_i ∂σ/∂w_i. Units follow the covariance (daily covariance → daily σ);
 * an annualised marginal is the daily one × √252. Zero-variance portfolios get zero contributions.
 */
export function riskContributions(cov: CovarianceMatrix, weights: ArrayLike<number>): RiskContribution[] {
  const sw = multiply(cov, weights);
  let variance = 0;
  for (let i = 0; i < cov.size; i++) variance += (weights[i] as number) * (sw[i] as number);
  const sd = Math.sqrt(Math.max(0, variance));
  const out: RiskContribution[] = [];
  for (let i = 0; i < cov.size; i++) {
    const w = weights[i] as number;
    out.push({
      weight: w,
      marginal: sd > 0 ? (sw[i] as number) / sd : 0,
      contribution_pct: variance > 0 ? (w * (sw[i] as number)) / variance : 0,
    });
  }
  return out;
}

/**
 * Equal risk contribution (risk parity) weights: the unique long-only w with w_i(Σw)_i equal for all i.
 * Cyclical coordinate descent on ½y'Σy − (1/n)Σ ln y_i (Griveau-Billion, Richard & Roncalli 2013), whose
 * minimiser normalised to sum 1 is that w; each coordinate step solves its quadratic exactly.
 */
export function equalRiskContributionWeights(
  cov: CovarianceMatrix,
  options: { tolerance?: number; maxSweeps?: number } = {},
): { weights: Float64Array; sweeps: number; converged: boolean } {
  const n = cov.size;
  const v = cov.values;
  const tolerance = options.tolerance ?? 1e-12;
  const maxSweeps = options.maxSweeps ?? 10_000;
  const b = 1 / n;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = v[i * n + i] as number;
    if (!(d > 0)) throw new RangeError("risk parity needs a positive variance for every asset");
    y[i] = 1 / Math.sqrt(d) / n;
  }
  const sy = multiply(cov, y);
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      const d = v[i * n + i] as number;
      const yi = y[i] as number;
      const others = (sy[i] as number) - d * yi;
      const next = (-others + Math.sqrt(others * others + 4 * d * b)) / (2 * d);
      const delta = next - yi;
      if (delta !== 0) {
        for (let j = 0; j < n; j++) sy[j] = (sy[j] as number) + delta * (v[j * n + i] as number);
        y[i] = next;
        change = Math.max(change, Math.abs(delta) / next);
      }
    }
    if (change < tolerance) return { weights: normalised(y), sweeps: sweep, converged: true };
  }
  return { weights: normalised(y), sweeps: maxSweeps, converged: false };
}

function normalised(y: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] as number;
  return y.map((x) => x / s);
}
