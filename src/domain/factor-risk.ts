// Factor view of a portfolio's returns: regression on the market and on sectors, r², specific risk, and PCA.
import type { CovarianceMatrix } from "./covariance";
import { TRADING_DAYS_PER_YEAR } from "./metrics";

export interface Regression {
  intercept: number;
  /** One coefficient per factor, in the order given. */
  betas: number[];
  r_squared: number;
  /** Annualised standard deviation of the residuals (divisor T − k − 1). */
  specific_risk: number;
}

/** Solves the small symmetric system A x = b (A k×k, row-major) by Gaussian elimination with partial pivoting; null when singular. */
function solve(a: number[], b: number[], k: number): number[] | null {
  const m = a.slice();
  const x = b.slice();
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++)
      if (Math.abs(m[r * k + c] as number) > Math.abs(m[pivot * k + c] as number)) pivot = r;
    if (Math.abs(m[pivot * k + c] as number) < 1e-300) return null;
    if (pivot !== c) {
      for (let j = 0; j < k; j++)
        [m[c * k + j], m[pivot * k + j]] = [m[pivot * k + j] as number, m[c * k + j] as number];
      [x[c], x[pivot]] = [x[pivot] as number, x[c] as number];
    }
    for (let r = c + 1; r < k; r++) {
      const f = (m[r * k + c] as number) / (m[c * k + c] as number);
      if (f === 0) continue;
      for (let j = c; j < k; j++) m[r * k + j] = (m[r * k + j] as number) - f * (m[c * k + j] as number);
      x[r] = (x[r] as number) - f * (x[c] as number);
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r] as number;
    for (let j = r + 1; j < k; j++) s -= (m[r * k + j] as number) * (x[j] as number);
    x[r] = s / (m[r * k + r] as number);
  }
  return x;
}

/**
 * Ordinary least squares y = a + Σ_j b_j f_j + e over the days given (each factor a series as long as y).
 * Null when there are not more observations than coefficients or the factors are collinear.
 */
export function regressReturns(y: ArrayLike<number>, factors: readonly ArrayLike<number>[]): Regression | null {
  const t = y.length;
  const k = factors.length + 1;
  if (t <= k) return null;
  const col = (j: number, i: number) => (j === 0 ? 1 : ((factors[j - 1] as ArrayLike<number>)[i] as number));
  const xtx = new Array<number>(k * k).fill(0);
  const xty = new Array<number>(k).fill(0);
  for (let i = 0; i < t; i++) {
    for (let a = 0; a < k; a++) {
      const va = col(a, i);
      xty[a] = (xty[a] as number) + va * (y[i] as number);
      for (let b = 0; b < k; b++) xtx[a * k + b] = (xtx[a * k + b] as number) + va * col(b, i);
    }
  }
  const coef = solve(xtx, xty, k);
  if (!coef || coef.some((c) => !Number.isFinite(c))) return null;
  let mean = 0;
  for (let i = 0; i < t; i++) mean += y[i] as number;
  mean /= t;
  let ssr = 0;
  let sst = 0;
  for (let i = 0; i < t; i++) {
    let fit = 0;
    for (let a = 0; a < k; a++) fit += (coef[a] as number) * col(a, i);
    ssr += ((y[i] as number) - fit) ** 2;
    sst += ((y[i] as number) - mean) ** 2;
  }
  return {
    intercept: coef[0] as number,
    betas: coef.slice(1),
    r_squared: sst > 0 ? 1 - ssr / sst : 0,
    specific_risk: Math.sqrt((ssr / (t - k)) * TRADING_DAYS_PER_YEAR),
  };
}

export interface PrincipalComponent {
  eigenvalue: number;
  /** Share of the total variance (trace) this component explains. */
  explained_variance: number;
  /** Unit-length eigenvector, signed so its loadings sum to a non-negative number. */
  loadings: Float64Array;
}

/** All eigenpairs of a small symmetric matrix by cyclic Jacobi rotations, largest first. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array[] } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => (a[y * n + y] as number) - (a[x * n + x] as number),
  );
  return {
    values: Float64Array.from(order, (i) => a[i * n + i] as number),
    vectors: order.map((i) => Float64Array.from({ length: n }, (_, k) => v[k * n + i] as number)),
  };
}

/**
 * The `k` largest principal components of a covariance: exact (Jacobi) up to 80 assets, power iteration
 * with deflation beyond (at most 500 steps per component, enough for the separated leading factors of equities). explained_variance = λ_j / tr(Σ).
 */
export function principalComponents(cov: CovarianceMatrix, k: number): PrincipalComponent[] {
  const n = cov.size;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += cov.values[i * n + i] as number;
  const count = Math.min(k, n);
  let values: Float64Array;
  let vectors: Float64Array[];
  if (n <= 80) ({ values, vectors } = symmetricEigen(cov.values, n));
  else ({ values, vectors } = largeEigen(cov, count));
  return Array.from({ length: count }, (_, j) => {
    const v = Float64Array.from(vectors[j] as Float64Array);
    if (v.reduce((a, b) => a + b, 0) < 0) for (let i = 0; i < n; i++) v[i] = -(v[i] as number);
    const eigenvalue = values[j] as number;
    return { eigenvalue, explained_variance: trace > 0 ? eigenvalue / trace : 0, loadings: v };
  });
}

/** The k largest eigenpairs by power iteration, deflating each found component. */
function largeEigen(cov: CovarianceMatrix, k: number): { values: Float64Array; vectors: Float64Array[] } {
  const n = cov.size;
  const vectors: Float64Array[] = [];
  const values = new Float64Array(k);
  const work: CovarianceMatrix = { size: n, values: Float64Array.from(cov.values), shrinkage: cov.shrinkage };
  for (let j = 0; j < k; j++) {
    let x = Float64Array.from({ length: n }, (_, i) => 1 + 0.01 * Math.sin(i + j));
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const y = new Float64Array(n);
      for (let a = 0; a < n; a++) {
        let s = 0;
        for (let b = 0; b < n; b++) s += (work.values[a * n + b] as number) * (x[b] as number);
        y[a] = s;
      }
      let norm = 0;
      for (let a = 0; a < n; a++) norm += (y[a] as number) ** 2;
      norm = Math.sqrt(norm);
      if (!(norm > 0)) break;
      const next = y.map((v) => v / norm);
      const done = Math.abs(norm - lambda) <= 1e-12 * norm;
      lambda = norm;
      x = next;
      if (done) break;
    }
    values[j] = lambda;
    vectors.push(x);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++)
        work.values[a * n + b] = (work.values[a * n + b] as number) - lambda * (x[a] as number) * (x[b] as number);
  }
  return { values, vectors };
}
