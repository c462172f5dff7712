// Volatility forecasts from daily returns: RiskMetrics EWMA (λ 0.94) and GARCH(1,1) fitted by maximum likelihood.
import { TRADING_DAYS_PER_YEAR } from "./metrics";

export const EWMA_LAMBDA = 0.94;
/** Fewest returns a GARCH fit is attempted on; below it the EWMA forecast stands in. */
export const GARCH_MIN_OBSERVATIONS = 250;
/** α + β at or above this is treated as non-stationary (no finite long-run variance): EWMA stands in. */
export const GARCH_MAX_PERSISTENCE = 0.999;

export interface EwmaForecast {
  model: "ewma";
  lambda: number;
  /** Next session's variance σ²_{T+1}. */
  daily_variance: number;
  /** √(252 σ²_{T+1}): EWMA's forecast is flat, so every horizon gets this. */
  annualized_volatility: number;
}

export interface GarchFit {
  omega: number;
  alpha: number;
  beta: number;
  log_likelihood: number;
  /** ω/(1 − α − β). */
  long_run_variance: number;
  /** σ²_{T+1}, the next session's conditional variance. */
  next_variance: number;
}

export interface GarchForecast {
  model: "garch";
  omega: number;
  alpha: number;
  beta: number;
  log_likelihood: number;
  /** Annualised volatility of the mean variance over the next `horizon` sessions. */
  annualized_volatility: number;
  horizon: number;
}

export interface FallbackForecast extends EwmaForecast {
  /** Why the GARCH fit was not used. */
  fallback_reason: "too_few_observations" | "did_not_converge" | "non_stationary";
}

/**
 * RiskMetrics (1996): σ²_{t+1} = λσ²_t + (1 − λ)r_t², zero mean, seeded with the mean square of the first
 * min(20, n) returns. Needs at least two returns.
 */
export function ewmaForecast(returns: ArrayLike<number>, lambda = EWMA_LAMBDA): EwmaForecast {
  const n = returns.length;
  if (n < 2) throw new RangeError("an EWMA forecast needs at least two returns");
  const seedCount = Math.min(20, n);
  let variance = 0;
  for (let i = 0; i < seedCount; i++) variance += (returns[i] as number) ** 2;
  variance /= seedCount;
  for (let i = 0; i < n; i++) variance = lambda * variance + (1 - lambda) * (returns[i] as number) ** 2;
  return {
    model: "ewma",
    lambda,
    daily_variance: variance,
    annualized_volatility: Math.sqrt(TRADING_DAYS_PER_YEAR * variance),
  };
}

/** Gaussian log-likelihood of demeaned returns under GARCH(1,1), the recursion started at the sample variance. */
export function garchLogLikelihood(
  eps: ArrayLike<number>,
  omega: number,
  alpha: number,
  beta: number,
): { ll: number; next: number } {
  const n = eps.length;
  let sampleVar = 0;
  for (let i = 0; i < n; i++) sampleVar += (eps[i] as number) ** 2;
  sampleVar /= n;
  let h = sampleVar;
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const e2 = (eps[i] as number) ** 2;
    ll += -0.5 * (Math.log(2 * Math.PI) + Math.log(h) + e2 / h);
    h = omega + alpha * e2 + beta * h;
  }
  return { ll, next: h };
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Nelder-Mead minimisation (standard coefficients 1, 2, ½, ½); converged when the simplex collapses. */
function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  step: number,
  maxIterations: number,
): { x: number[]; converged: boolean } {
  const d = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))];
  let values = simplex.map(f);
  for (let it = 0; it < maxIterations; it++) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i] as number[]);
    values = order.map(([v]) => v);
    const best = values[0] as number;
    const worst = values[d] as number;
    let size = 0;
    for (let i = 1; i <= d; i++)
      for (let j = 0; j < d; j++)
        size = Math.max(size, Math.abs((simplex[i]?.[j] as number) - (simplex[0]?.[j] as number)));
    if (Math.abs(worst - best) <= 1e-10 * (Math.abs(best) + 1e-10) && size < 1e-6)
      return { x: simplex[0] as number[], converged: true };
    const centroid = Array.from(
      { length: d },
      (_, j) => simplex.slice(0, d).reduce((a, p) => a + (p[j] as number), 0) / d,
    );
    const towards = (t: number) => centroid.map((c, j) => c + t * ((simplex[d]?.[j] as number) - c));
    const reflected = towards(-1);
    const fr = f(reflected);
    if (fr < best) {
      const expanded = towards(-2);
      const fe = f(expanded);
      [simplex[d], values[d]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < (values[d - 1] as number)) {
      [simplex[d], values[d]] = [reflected, fr];
    } else {
      const contracted = fr < worst ? towards(-0.5) : towards(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst)) [simplex[d], values[d]] = [contracted, fc];
      else {
        const b = simplex[0] as number[];
        simplex = simplex.map((p, i) =>
          i === 0 ? p : p.map((v, j) => (b[j] as number) + 0.5 * (v - (b[j] as number))),
        );
        values = simplex.map((p, i) => (i === 0 ? (values[0] as number) : f(p)));
      }
    }
  }
  return { x: simplex[0] as number[], converged: false };
}

/**
 * GARCH(1,1) on demeaned returns by maximum likelihood: Nelder-Mead over ω = e^a, α + β = 0.9999·σ(b),
 * α = (α + β)·σ(c) (σ the logistic), which keeps ω > 0, α, β ≥ 0 and α + β < 1. Started from α = 0.05,
 * β = 0.90 with ω targeting the sample variance; also restarted from the best point to guard against a
 * premature collapse. Null when the search does not converge.
 */
export function fitGarch(returns: ArrayLike<number>, maxIterations = 3000): GarchFit | null {
  const n = returns.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += returns[i] as number;
  m /= n;
  const eps = Float64Array.from({ length: n }, (_, i) => (returns[i] as number) - m);
  let v = 0;
  for (const e of eps) v += e * e;
  v /= n;
  if (!(v > 0)) return null;
  const decode = (x: number[]) => {
    const persistence = 0.9999 * logistic(x[1] as number);
    const alpha = persistence * logistic(x[2] as number);
    return { omega: Math.exp(x[0] as number), alpha, beta: persistence - alpha };
  };
  const objective = (x: number[]) => {
    const p = decode(x);
    const { ll } = garchLogLikelihood(eps, p.omega, p.alpha, p.beta);
    return Number.isFinite(ll) ? -ll : Number.POSITIVE_INFINITY;
  };
  const start = [Math.log(v * 0.05), logit(0.95 / 0.9999), logit(0.05 / 0.95)];
  const first = nelderMead(objective, start, 0.5, maxIterations);
  const second = nelderMead(objective, first.x, 0.1, maxIterations);
  if (!second.converged) return null;
  const p = decode(second.x);
  const { ll, next } = garchLogLikelihood(eps, p.omega, p.alpha, p.beta);
  return { ...p, log_likelihood: ll, long_run_variance: p.omega / (1 - p.alpha - p.beta), next_variance: next };
}

/** E[σ²_{T+k}] = V_L + (α + β)^{k−1}(σ²_{T+1} − V_L): the k-th session's expected variance. */
export function garchVarianceAt(
  fit: Pick<GarchFit, "alpha" | "beta" | "long_run_variance" | "next_variance">,
  k: number,
): number {
  const p = fit.alpha + fit.beta;
  return fit.long_run_variance + p ** (k - 1) * (fit.next_variance - fit.long_run_variance);
}

/** Mean expected variance over sessions 1..h, in closed form (a geometric sum). */
export function garchMeanVariance(
  fit: Pick<GarchFit, "alpha" | "beta" | "long_run_variance" | "next_variance">,
  horizon: number,
): number {
  const p = fit.alpha + fit.beta;
  const geometric = p === 1 ? horizon : (1 - p ** horizon) / (1 - p);
  return fit.long_run_variance + ((fit.next_variance - fit.long_run_variance) * geometric) / horizon;
}

/**
 * The GARCH forecast over `horizon` sessions, or the EWMA one with the reason when GARCH cannot be trusted:
 * fewer than GARCH_MIN_OBSERVATIONS returns, a search that did not converge, or α + β ≥ GARCH_MAX_PERSISTENCE.
 */
export function garchForecast(returns: ArrayLike<number>, horizon = 21): GarchForecast | FallbackForecast {
  const fallback = (reason: FallbackForecast["fallback_reason"]): FallbackForecast => ({
    ...ewmaForecast(returns),
    fallback_reason: reason,
  });
  if (returns.length < GARCH_MIN_OBSERVATIONS) return fallback("too_few_observations");
  const fit = fitGarch(returns);
  if (!fit) return fallback("did_not_converge");
  if (fit.alpha + fit.beta >= GARCH_MAX_PERSISTENCE) return fallback("non_stationary");
  return {
    model: "garch",
    omega: fit.omega,
    alpha: fit.alpha,
    beta: fit.beta,
    log_likelihood: fit.log_likelihood,
    annualized_volatility: Math.sqrt(TRADING_DAYS_PER_YEAR * garchMeanVariance(fit, horizon)),
    horizon,
  };
}
