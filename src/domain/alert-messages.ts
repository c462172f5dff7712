// What a fired alert says in words, from its numbers: the message on alert.triggered events and stream frames.

export interface PriceAlertFacts {
  symbol: string;
  condition: "above" | "below";
  /** The alert's threshold. */
  price: number;
  /** The quote that crossed it. */
  triggered_price: number;
}

/** Prices as a trader reads them: two decimals from 1 up, four significant digits below. */
export function formatPrice(x: number): string {
  return Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(4);
}

export function priceAlertMessage(a: PriceAlertFacts): string {
  const moved = a.condition === "above" ? "rose to" : "fell to";
  return `${a.symbol} ${moved} ${formatPrice(a.triggered_price)}, crossing your alert ${a.condition} ${formatPrice(a.price)}.`;
}
