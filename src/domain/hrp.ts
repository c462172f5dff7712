// Hierarchical risk parity (López de Prado 2016): cluster by correlation distance, order, split risk top-down.
import { type CovarianceMatrix, correlationOf } from "./covariance";

/** d_ij = √((1 − ρ_ij)/2): the paper's correlation distance (0 for identical, 1 for opposite assets). */
export function correlationDistance(correlation: Float64Array): Float64Array {
  return correlation.map((rho) => Math.sqrt(Math.max(0, (1 - rho) / 2)));
}

/** d̃_ij = ‖d_·i − d_·j‖: the distance between two assets' whole distance profiles (the paper's step 2). */
export function distanceOfDistances(d: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += ((d[k * n + i] as number) - (d[k * n + j] as number)) ** 2;
      const v = Math.sqrt(s);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}

/** One merge of the dendrogram, in SciPy's linkage layout: cluster ids < n are assets, n + k the k-th merge. */
export interface Merge {
  left: number;
  right: number;
  distance: number;
  size: number;
}

/**
 * Single-linkage clustering of a distance matrix: a minimum spanning tree (Prim, O(n²)) whose edges,
 * taken shortest first, merge clusters; each merge lists the smaller cluster id first, as SciPy does.
 */
export function singleLinkage(dist: Float64Array, n: number): Merge[] {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array(n).fill(-1);
  const edges: { a: number; b: number; d: number }[] = [];
  let current = 0;
  inTree[0] = 1;
  for (let step = 1; step < n; step++) {
    let next = -1;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const d = dist[current * n + j] as number;
      if (d < (best[j] as number)) {
        best[j] = d;
        from[j] = current;
      }
      if (next === -1 || (best[j] as number) < (best[next] as number)) next = j;
    }
    inTree[next] = 1;
    edges.push({ a: from[next] as number, b: next, d: best[next] as number });
    current = next;
  }
  edges.sort((x, y) => x.d - y.d);
  const parent = Int32Array.from({ length: 2 * n }, (_, i) => i);
  const size = new Int32Array(2 * n).fill(1);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x] as number] as number;
      x = parent[x] as number;
    }
    return x;
  };
  const merges: Merge[] = [];
  for (const e of edges) {
    const ra = find(e.a);
    const rb = find(e.b);
    const id = n + merges.length;
    const total = (size[ra] as number) + (size[rb] as number);
    merges.push({ left: Math.min(ra, rb), right: Math.max(ra, rb), distance: e.d, size: total });
    parent[ra] = id;
    parent[rb] = id;
    size[id] = total;
  }
  return merges;
}

/** The assets in dendrogram order (the paper's quasi-diagonalisation): each cluster lists its left then right child. */
export function quasiDiagonalOrder(merges: readonly Merge[], n: number): number[] {
  if (n === 1) return [0];
  const out: number[] = [];
  const visit = (id: number) => {
    if (id < n) out.push(id);
    else {
      const m = merges[id - n] as Merge;
      visit(m.left);
      visit(m.right);
    }
  };
  visit(n + merges.length - 1);
  return out;
}

/** Variance of a cluster held at inverse-variance weights. */
function clusterVariance(cov: CovarianceMatrix, items: readonly number[]): number {
  const n = cov.size;
  let inv = 0;
  for (const i of items) inv += 1 / (cov.values[i * n + i] as number);
  let v = 0;
  for (const i of items) {
    for (const j of items) {
      const wi = 1 / (cov.values[i * n + i] as number) / inv;
      const wj = 1 / (cov.values[j * n + j] as number) / inv;
      v += wi * wj * (cov.values[i * n + j] as number);
    }
  }
  return v;
}

/**
 * The paper's recursive bisection: halve the ordered list, give each half 1 − V_half/(V_left + V_right) of
 * its parent's weight, V being the half's variance at inverse-variance weights; repeat down to single assets.
 */
export function recursiveBisection(cov: CovarianceMatrix, order: readonly number[]): Float64Array {
  const w = new Float64Array(cov.size).fill(0);
  for (const i of order) w[i] = 1;
  let clusters: number[][] = [order.slice()];
  while (clusters.length > 0) {
    const next: number[][] = [];
    for (const c of clusters) {
      if (c.length <= 1) continue;
      const half = Math.floor(c.length / 2);
      const left = c.slice(0, half);
      const right = c.slice(half);
      const vl = clusterVariance(cov, left);
      const vr = clusterVariance(cov, right);
      const alpha = vl + vr > 0 ? 1 - vl / (vl + vr) : 0.5;
      for (const i of left) w[i] = (w[i] as number) * alpha;
      for (const i of right) w[i] = (w[i] as number) * (1 - alpha);
      next.push(left, right);
    }
    clusters = next;
  }
  return w;
}

/** HRP weights for a covariance: distances → single linkage → quasi-diagonal order → recursive bisection. */
export function hierarchicalRiskParityWeights(cov: CovarianceMatrix): Float64Array {
  const n = cov.size;
  for (let i = 0; i < n; i++) {
    if (!((cov.values[i * n + i] as number) > 0)) throw new RangeError("HRP needs a positive variance for every asset");
  }
  const d = correlationDistance(correlationOf(cov));
  const merges = singleLinkage(distanceOfDistances(d, n), n);
  return recursiveBisection(cov, quasiDiagonalOrder(merges, n));
}
