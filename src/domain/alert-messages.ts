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

const percent = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
const points = (x: number) => (Math.round(x * 1000) / 10).toFixed(1);

export interface IndexAlertFacts {
  kind: "index_level" | "drawdown" | "weight_drift";
  index_name: string;
  condition: "above" | "below";
  threshold: number;
  /** The observation that fired it (see observeIndexAlert). */
  value: number;
  symbol: string | null;
  /** weight_drift: the constituent's weight now and its target. */
  weight?: number;
  target?: number;
}

export function indexAlertMessage(a: IndexAlertFacts): string {
  const name = `"${a.index_name}"`;
  switch (a.kind) {
    case "index_level": {
      const moved = a.condition === "above" ? "rose to" : "fell to";
      return `${name} ${moved} ${formatPrice(a.value)}, crossing your alert ${a.condition} ${formatPrice(a.threshold)}.`;
    }
    case "drawdown":
      return `${name} is ${percent(-a.value)} below its peak, past your drawdown alert at ${percent(a.threshold)}.`;
    case "weight_drift": {
      const side = a.value >= 0 ? "above" : "below";
      return `${a.symbol} is ${percent(a.weight ?? 0)} of ${name} against a target of ${percent(a.target ?? 0)}: ${points(Math.abs(a.value))} points ${side}, past your drift alert at ${points(a.threshold)} points.`;
    }
  }
}
