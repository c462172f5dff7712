// Covariance of daily returns for the optimisers: the sample estimate and Ledoit-Wolf shrinkage to a scaled identity.

/** `observations` × `assets` daily returns, row-major: `values[t * assets + i]` is asset i on day t. */
export interface ReturnsMatrix {
  observations: number;
  assets: number;
  values: Float64Array;
}

/** A symmetric `size` × `size` matrix, row-major. */
export interface CovarianceMatrix {
  size: number;
  values: Float64Array;
  /** Weight on the shrinkage target (0 for the sample estimate). */
  shrinkage: number;
}

export type CovarianceMethod = "sample" | "ledoit_wolf";

/** The returns with each column's mean removed, as a new matrix. */
function demeaned(r: ReturnsMatrix): Float64Array {
  const { observations: t, assets: n, values } = r;
  const means = new Float64Array(n);
  for (let k = 0; k < t; k++) for (let i = 0; i < n; i++) (means[i] as number) += values[k * n + i] as number;
  for (let i = 0; i < n; i++) (means[i] as number) /= t;
  const x = new Float64Array(t * n);
  for (let k = 0; k < t; k++)
    for (let i = 0; i < n; i++) x[k * n + i] = (values[k * n + i] as number) - (means[i] as number);
  return x;
}

/**
 * X'X / divisor for row-major X (t × n), filling both triangles. Columns are copied out first so each dot
 * product reads contiguous memory, and four columns j are taken against column i at once (one load of
 * column i feeds four sums); each sum still runs over k in order, so every entry is the plain dot product.
 */
function crossProduct(x: Float64Array, t: number, n: number, divisor: number): Float64Array {
  const columns = new Float64Array(n * t);
  for (let k = 0; k < t; k++) for (let i = 0; i < n; i++) columns[i * t + k] = x[k * n + i] as number;
  const out = new Float64Array(n * n);
  const put = (i: number, j: number, s: number) => {
    const v = s / divisor;
    out[i * n + j] = v;
    out[j * n + i] = v;
  };
  for (let i = 0; i < n; i++) {
    const ci = i * t;
    let j = i;
    for (; j + 3 < n; j += 4) {
      const c0 = j * t;
      const c1 = c0 + t;
      const c2 = c1 + t;
      const c3 = c2 + t;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < t; k++) {
        const a = columns[ci + k] as number;
        s0 += a * (columns[c0 + k] as number);
        s1 += a * (columns[c1 + k] as number);
        s2 += a * (columns[c2 + k] as number);
        s3 += a * (columns[c3 + k] as number);
      }
      put(i, j, s0);
      put(i, j + 1, s1);
      put(i, j + 2, s2);
      put(i, j + 3, s3);
    }
    for (; j < n; j++) {
      const cj = j * t;
      let s = 0;
      for (let k = 0; k < t; k++) s += (columns[ci + k] as number) * (columns[cj + k] as number);
      put(i, j, s);
    }
  }
  return out;
}

/** Unbiased sample covariance (divisor T − 1); needs at least two observations. */
export function sampleCovariance(r: ReturnsMatrix): CovarianceMatrix {
  if (r.observations < 2) throw new RangeError("a covariance needs at least two observations");
  return {
    size: r.assets,
    values: crossProduct(demeaned(r), r.observations, r.assets, r.observations - 1),
    shrinkage: 0,
  };
}

/**
 * Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional covariance matrices": the
 * maximum-likelihood covariance S (divisor T) shrunk toward μI, μ = tr(S)/p, with intensity
 * δ = min(b̄², d²)/d², where d² = ‖S − μI‖²/p and b̄² = (1/T²)Σ_t‖x_t x_t' − S‖²/p. The identity
 * Σ_t‖x_t x_t' − S‖² = Σ_t‖x_t‖⁴ − T‖S‖² makes it O(Tp + p²) beyond S itself. The same estimator as
 * scikit-learn's `LedoitWolf`, so anyone can recompute it.
 */
export function ledoitWolfCovariance(r: ReturnsMatrix): CovarianceMatrix {
  const { observations: t, assets: p } = r;
  if (t < 2) throw new RangeError("a covariance needs at least two observations");
  const x = demeaned(r);
  const s = crossProduct(x, t, p, t);
  let trace = 0;
  for (let i = 0; i < p; i++) trace += s[i * p + i] as number;
  const mu = trace / p;
  let frob = 0;
  for (let i = 0; i < s.length; i++) frob += (s[i] as number) ** 2;
  const d2 = (frob - 2 * mu * trace + p * mu * mu) / p;
  let fourth = 0;
  for (let k = 0; k < t; k++) {
    let sq = 0;
    for (let i = 0; i < p; i++) sq += (x[k * p + i] as number) ** 2;
    fourth += sq * sq;
  }
  const bBar2 = Math.max(0, (fourth / (t * t) - frob / t) / p);
  const b2 = Math.min(bBar2, d2);
  const delta = d2 > 0 ? b2 / d2 : 1;
  const values = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) values[i * p + j] = (1 - delta) * (s[i * p + j] as number) + (i === j ? delta * mu : 0);
  }
  return { size: p, values, shrinkage: delta };
}

export function estimateCovariance(r: ReturnsMatrix, method: CovarianceMethod): CovarianceMatrix {
  return method === "sample" ? sampleCovariance(r) : ledoitWolfCovariance(r);
}

/** Σw for a symmetric row-major matrix, into `out`; four rows at a time (one load of w feeds four sums, each in j order). */
export function multiply(cov: CovarianceMatrix, w: ArrayLike<number>, out = new Float64Array(cov.size)): Float64Array {
  const n = cov.size;
  const v = cov.values;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const x = w[j] as number;
      s0 += (v[r0 + j] as number) * x;
      s1 += (v[r1 + j] as number) * x;
      s2 += (v[r2 + j] as number) * x;
      s3 += (v[r3 + j] as number) * x;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += (v[row + j] as number) * (w[j] as number);
    out[i] = s;
  }
  return out;
}

/** w'Σw. */
export function portfolioVariance(cov: CovarianceMatrix, w: ArrayLike<number>): number {
  const sw = multiply(cov, w);
  let s = 0;
  for (let i = 0; i < cov.size; i++) s += (w[i] as number) * (sw[i] as number);
  return s;
}

/** The correlation matrix of a covariance (a zero-variance asset gets correlation 0 with the rest, 1 with itself). */
export function correlationOf(cov: CovarianceMatrix): Float64Array {
  const n = cov.size;
  const out = new Float64Array(n * n);
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) sd[i] = Math.sqrt(Math.max(0, cov.values[i * n + i] as number));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = (sd[i] as number) * (sd[j] as number);
      out[i * n + j] = i === j ? 1 : d > 0 ? Math.max(-1, Math.min(1, (cov.values[i * n + j] as number) / d)) : 0;
    }
  }
  return out;
}
