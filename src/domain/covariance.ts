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
 * Dot products of `a[aAt, aAt + len)` with four runs of `b` of that length, `stride` apart from `bAt`, written to
 * `out[at, at + 4)`: one load of `a` feeds four sums, and each sum still runs in index order, so every entry is the
 * plain dot product.
 */
function fourDots(
  a: ArrayLike<number>,
  aAt: number,
  b: ArrayLike<number>,
  bAt: number,
  stride: number,
  len: number,
  out: Float64Array,
  at: number,
): void {
  const b1 = bAt + stride;
  const b2 = b1 + stride;
  const b3 = b2 + stride;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = 0; k < len; k++) {
    const x = a[aAt + k] as number;
    s0 += x * (b[bAt + k] as number);
    s1 += x * (b[b1 + k] as number);
    s2 += x * (b[b2 + k] as number);
    s3 += x * (b[b3 + k] as number);
  }
  out[at] = s0;
  out[at + 1] = s1;
  out[at + 2] = s2;
  out[at + 3] = s3;
}

/** The dot product of `a[aAt, aAt + len)` and `b[bAt, bAt + len)`, in index order. */
function dot(a: ArrayLike<number>, aAt: number, b: ArrayLike<number>, bAt: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += (a[aAt + k] as number) * (b[bAt + k] as number);
  return s;
}

/**
 * X'X / divisor for row-major X (t × n), filling both triangles. Columns are copied out first so each dot
 * product reads contiguous memory, and four columns j are taken against column i at once.
 */
function crossProduct(x: Float64Array, t: number, n: number, divisor: number): Float64Array {
  const columns = new Float64Array(n * t);
  for (let k = 0; k < t; k++) for (let i = 0; i < n; i++) columns[i * t + k] = x[k * n + i] as number;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * t;
    const row = i * n;
    let j = i;
    for (; j + 3 < n; j += 4) fourDots(columns, ci, columns, j * t, t, t, out, row + j);
    for (; j < n; j++) out[row + j] = dot(columns, ci, columns, j * t, t);
    // Divided once each, then mirrored into the lower triangle.
    for (let m = i; m < n; m++) {
      const v = (out[row + m] as number) / divisor;
      out[row + m] = v;
      out[m * n + i] = v;
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
  let i = 0;
  for (; i + 3 < n; i += 4) fourDots(w, 0, cov.values, i * n, n, n, out, i);
  for (; i < n; i++) out[i] = dot(cov.values, i * n, w, 0, n);
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
