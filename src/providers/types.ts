// The contract every market-data source implements; services depend on this, never on a vendor.
import type { Bar } from "../domain/bar";
import type { SessionCalendar } from "../domain/calendar";

/** One daily bar as a provider reports it; defined in the domain, which must not import this I/O layer. */
export type { Bar };

export interface Quote {
  symbol: string;
  price: number;
  /** Previous close, so change and change_pct can be derived. */
  previous_close: number;
  /** RFC 3339 UTC instant of the quote. */
  ts: string;
}

export interface Split {
  date: string;
  /** New shares per old share, e.g. 4 for a 4-for-1 split. */
  ratio: number;
}

export interface Dividend {
  ex_date: string;
  amount: number;
}

export interface AssetProfile {
  symbol: string;
  name: string;
  exchange: string;
  asset_class: "equity" | "etf" | "index" | "crypto" | "fx";
  currency: string;
  sector: string | null;
  listed_at: string | null;
}

export interface MarketCap {
  date: string;
  market_cap: number;
  /** Shares outstanding behind the cap, when the source reports them (market cap = shares × raw close). */
  shares_outstanding?: number;
}

/** Per-symbol outcome of a batch call: one failing symbol never sinks the others. */
export type SymbolResult<T> =
  | { ok: true; value: T }
  /** `cause` is set when the symbol failed with its whole call (an outage, the budget): retry it, unlike a refusal. */
  | { ok: false; error: string; cause?: ProviderError };

/** Adds one date window's bars to what earlier windows gave; a symbol that failed in any window stays failed. */
export function appendWindow(into: Map<string, SymbolResult<Bar[]>>, next: Map<string, SymbolResult<Bar[]>>): void {
  for (const [symbol, r] of next) {
    const before = into.get(symbol);
    if (before === undefined) into.set(symbol, r);
    else if (before.ok && r.ok) into.set(symbol, { ok: true, value: [...before.value, ...r.value] });
    else if (before.ok) into.set(symbol, r);
  }
}

/** How a history request is read: which days the asset trades on sizes the vendor's date windows. */
export interface BarsOptions {
  calendar?: SessionCalendar;
}

export interface MarketDataProvider {
  /** Stable name stored as `source` on every row this provider produced. */
  readonly name: string;
  /** Daily bars in ascending date order, both ends inclusive; every symbol of one call shares a calendar. */
  dailyBars(
    symbols: string[],
    start: string,
    end: string,
    opts?: BarsOptions,
  ): Promise<Map<string, SymbolResult<Bar[]>>>;
  quotes(symbols: string[]): Promise<Map<string, SymbolResult<Quote>>>;
  marketCap(symbol: string): Promise<MarketCap | null>;
  /** Dated market-cap history over [start, end], ascending, where the source has one (point-in-time weights). */
  marketCaps?(symbol: string, start: string, end: string): Promise<MarketCap[]>;
  splits(symbol: string, start: string, end: string): Promise<Split[]>;
  dividends(symbol: string, start: string, end: string): Promise<Dividend[]>;
  /** How many symbols one dailyBars call may carry (provider-sized chunks). */
  readonly maxSymbolsPerCall: number;
  /** The longest date range (calendar days) one dailyBars call returns in full; absent: unlimited. */
  historyWindowDays?(calendar: SessionCalendar): number;
}

/** A provider error the resilience layer can classify. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly kind:
      | "rate_limited"
      | "server"
      | "network"
      | "timeout"
      | "client"
      | "invalid_response"
      | "breaker_open"
      | "budget_exhausted"
      /** Outside the key's plan: known from the configured plan or learnt from a vendor 403; never retried. */
      | "unavailable",
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ProviderError";
  }

  get retryable(): boolean {
    return (
      this.kind === "rate_limited" ||
      this.kind === "server" ||
      this.kind === "network" ||
      this.kind === "timeout" ||
      this.kind === "invalid_response"
    );
  }
}
