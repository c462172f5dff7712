// Where a value falls in an ascending list: the binary search the calendars and the regime percentile share.

/** Index of the first element of ascending `sorted` that is not below `value`; `sorted.length` when none is. */
export function firstNotBelow<T extends string | number>(sorted: readonly T[], value: T): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as T) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
