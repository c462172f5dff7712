// The synthetic universe: realistic US assets across sectors with the walk parameters each one is generated from.
import universe from "./synthetic-universe.json";
import type { AssetProfile, Split } from "./types";

export interface SyntheticAsset extends AssetProfile {
  /** Expected annual return (arithmetic drift of the log-normal walk). */
  annual_drift: number;
  annual_volatility: number;
  /**
   * Shares outstanding on the first generated day, counted in post-split shares (after every split below);
   * later they drift quarterly with buybacks or issuance.
   */
  shares_outstanding: number;
  /** Raw price on the first generated day (the origin, or the listing day when later). */
  start_price: number;
  /** Correlation with the common market factor; broad index ETFs sit near 1 so they track each other. */
  market_correlation: number;
  /** Trailing dividend yield paid in four quarterly cash dividends; 0 pays none. */
  dividend_yield: number;
  splits: Split[];
}

type Row = [string, string, string, string | null, number, number, number, number, number, number, string];

/**
 * The universe's parameters are data (synthetic-universe.json): one row per asset in the order of its `columns`
 * (shares outstanding in billions), ETFs then equities, and the splits of the assets that have any (ratio: new
 * shares per old share; GE's 1-for-8 reverse split makes the raw price jump eightfold, so ratio < 1 is exercised).
 */
const data = universe as unknown as { etf: Row[]; equity: Row[]; splits: Record<string, Split[]> };

function asset(r: Row, asset_class: "equity" | "etf"): SyntheticAsset {
  const [symbol, name, exchange, sector, drift, vol, sharesBn, price, yld, corr, listed] = r;
  return {
    symbol,
    name,
    exchange,
    asset_class,
    currency: "USD",
    sector,
    listed_at: listed,
    annual_drift: drift,
    annual_volatility: vol,
    shares_outstanding: Math.round(sharesBn * 1e9),
    start_price: price,
    market_correlation: corr,
    dividend_yield: yld,
    splits: data.splits[symbol] ?? [],
  };
}

export const SYNTHETIC_UNIVERSE: readonly SyntheticAsset[] = [
  ...data.etf.map((r) => asset(r, "etf")),
  ...data.equity.map((r) => asset(r, "equity")),
];
