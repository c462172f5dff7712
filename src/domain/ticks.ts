// The shape of a live tick, shared by the refresh pipeline, the tick effects (alerts, fills, live index levels)
// and the PriceHub shards that send it: a price update, as sequenced by the publisher, and the frames one tick carries.

/** One price update from any source (refresh pipeline, local ticker). */
export interface LiveQuote {
  symbol: string;
  price: number;
  previous_close?: number;
  ts: string;
  source: string;
}

export interface TickReport {
  quotes: number;
  indexes: number;
  alerts: number;
  fills: number;
  /** Authenticated sockets across all shards when the tick went out. */
  sockets: number;
}

/** One price update as the publisher sequences it: `seq` rises by one per symbol per published tick. */
export interface SequencedQuote {
  symbol: string;
  price: number;
  previous_close?: number;
  ts: string;
  source: string;
  seq: number;
}

export interface IndexLevelFrame {
  id: string;
  value: number;
  ts: string;
  seq: number;
}

/** An alert that fired, addressed to its owner's sockets on every shard. */
export interface AlertNotice {
  owner_id: string;
  id: string;
  kind: "price" | "index_level" | "drawdown" | "weight_drift";
  /** The watched index (index kinds), else null. */
  index_id: string | null;
  /** The priced symbol (price) or the drifting constituent (weight_drift), else null. */
  symbol: string | null;
  /** Price alerts: the quote that crossed. */
  price?: number;
  /** The observed number that fired it: the quote, the index level, the drawdown (≤ 0), the weight drift. */
  value: number;
  ts: string;
  /** The alert in words ("AAPL rose to 190.10, crossing your alert above 190.00."). */
  message: string;
}

/** Everything one tick carries to a shard; each shard receives each tick once. */
export interface Tick {
  quotes: SequencedQuote[];
  indexes: IndexLevelFrame[];
  alerts: AlertNotice[];
}
