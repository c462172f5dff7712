// Cuts a list into consecutive slices: the one rule behind provider-sized batches and D1 statement sizes.

/** Consecutive slices of at most `size` items (a size below 1 counts as 1), in order, none empty. */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
