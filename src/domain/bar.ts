// The daily price bar every layer shares: providers report it, the quality gate screens it, D1 stores it.

/** One daily bar as a provider reports it (raw, unadjusted). Dates are exchange-local YYYY-MM-DD. */
export interface Bar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}
