// A vendor behind the guard: every call through one ResilientCaller, batches in provider-sized chunks and date
// windows, each charged its endpoint's credits, endpoints outside the plan never called.
import { dateWindows } from "../domain/calendar";
import { slices } from "../domain/slices";
import type { Capability } from "./plans";
import type { ResilientCaller } from "./resilient-caller";
import {
  appendWindow,
  type Bar,
  type BarsOptions,
  type Dividend,
  type MarketCap,
  type MarketDataProvider,
  ProviderError,
  type Quote,
  type Split,
  type SymbolResult,
} from "./types";

export {
  type ProviderGate,
  type ResilienceOptions,
  ResilientCaller,
  resilienceOptions,
  withResilience,
} from "./resilient-caller";

/**
 * How a list goes to this vendor: consecutive parts of at most its symbols per call. The refresh cuts its work with
 * the same rule so that each part's bars are written before the next part is fetched (a backfill never holds more).
 */
export function providerParts<T>(items: readonly T[], provider: Pick<MarketDataProvider, "maxSymbolsPerCall">): T[][] {
  return slices(items, provider.maxSymbolsPerCall);
}

export interface CallOptions extends BarsOptions {
  signal?: AbortSignal;
}

/** A provider whose calls can be cancelled, so a timeout frees the connection instead of leaking it. */
export interface AbortableProvider extends MarketDataProvider {
  dailyBars(
    symbols: string[],
    start: string,
    end: string,
    opts?: CallOptions,
  ): Promise<Map<string, SymbolResult<Bar[]>>>;
  quotes(symbols: string[], opts?: CallOptions): Promise<Map<string, SymbolResult<Quote>>>;
  marketCap(symbol: string, opts?: CallOptions): Promise<MarketCap | null>;
  splits(symbol: string, start: string, end: string, opts?: CallOptions): Promise<Split[]>;
  dividends(symbol: string, start: string, end: string, opts?: CallOptions): Promise<Dividend[]>;
}

/** Vendor credits one call costs, per symbol for the batch endpoints. */
export interface CallCosts {
  perSymbol: number;
  marketCap: number;
  splits: number;
  dividends: number;
  /** Per page of market-cap history. */
  marketCapHistory?: number;
}

/** A vendor whose market-cap history comes in pages, each one request to budget. */
interface PagedMarketCaps {
  marketCapPage(
    symbol: string,
    start: string,
    end: string,
    page: number,
    opts?: CallOptions,
  ): Promise<{ caps: MarketCap[]; more: boolean }>;
}

/** What the vendor's plan includes and where refusals learnt from it (a 403) are kept. */
export interface ProviderTerms {
  costs: CallCosts;
  /** Left out by the configured plan: such calls fail at once as `unavailable` and never reach the vendor. */
  excluded?: ReadonlySet<Capability>;
  /** Capability gaps learnt from the vendor, shared by every isolate (the provider's RateLimiter object). */
  gaps?: {
    record(capability: Capability, detail: string): Promise<void>;
    list(): Promise<Set<Capability>>;
  };
}

/**
 * A provider whose every vendor call goes through one ResilientCaller and the plan: batch calls go out in
 * provider-sized chunks, each charged its endpoint's credits; an endpoint outside the plan is never called, and a
 * vendor 403 is recorded once as a capability gap (not retried, not paid for again).
 */
export class ResilientProvider implements MarketDataProvider {
  readonly name: string;
  readonly maxSymbolsPerCall: number;
  private readonly costs: CallCosts;
  private learnt: Promise<Set<Capability>> | undefined;

  constructor(
    private readonly inner: AbortableProvider,
    private readonly caller: ResilientCaller,
    terms: CallCosts | ProviderTerms = { perSymbol: 1, marketCap: 1, splits: 1, dividends: 1 },
  ) {
    this.name = inner.name;
    this.maxSymbolsPerCall = inner.maxSymbolsPerCall;
    this.terms = "costs" in terms ? terms : { costs: terms };
    this.costs = this.terms.costs;
    const paged = "marketCapPage" in inner ? (inner as unknown as PagedMarketCaps) : undefined;
    if (!this.terms.excluded?.has("market_cap_history")) {
      if (paged) this.marketCaps = (symbol, start, end) => this.pagedMarketCaps(paged, symbol, start, end);
      else if (inner.marketCaps) {
        const history = inner.marketCaps.bind(inner);
        this.marketCaps = (symbol, start, end) =>
          this.guarded("market_cap_history", () =>
            this.caller.call(() => history(symbol, start, end), this.costs.marketCapHistory ?? this.costs.marketCap),
          );
      }
    }
  }

  private readonly terms: ProviderTerms;

  /** Fails fast as `unavailable` for a capability the plan leaves out or the vendor refused before. */
  private async admit(capability: Capability): Promise<void> {
    const refused = this.terms.excluded?.has(capability)
      ? "is not in the plan"
      : (await this.learntGaps()).has(capability)
        ? "was refused by the vendor for this plan"
        : null;
    if (refused) throw new ProviderError(`${this.name} ${capability} ${refused}`, "unavailable", 403);
  }

  private learntGaps(): Promise<Set<Capability>> {
    this.learnt ??= this.terms.gaps?.list().catch(() => new Set<Capability>()) ?? Promise.resolve(new Set());
    return this.learnt;
  }

  /** Runs one capability's vendor call; a 403 becomes a recorded gap and an `unavailable` error. */
  private async guarded<T>(capability: Capability, fn: () => Promise<T>): Promise<T> {
    await this.admit(capability);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ProviderError && err.kind === "client" && err.status === 403) {
        await this.terms.gaps?.record(capability, err.message);
        (await this.learntGaps()).add(capability);
        throw new ProviderError(`${this.name} ${capability}: ${err.message}`, "unavailable", 403);
      }
      throw err;
    }
  }

  /**
   * A range longer than the vendor returns in one call goes out as one budgeted, retried call per date window
   * (oldest first), so every vendor request is charged and a failed window is retried on its own.
   */
  async dailyBars(
    symbols: string[],
    start: string,
    end: string,
    opts: BarsOptions = {},
  ): Promise<Map<string, SymbolResult<Bar[]>>> {
    const days = this.inner.historyWindowDays?.(opts.calendar ?? "exchange");
    const windows = days ? dateWindows(start, end, days) : [[start, end] as [string, string]];
    const out = new Map<string, SymbolResult<Bar[]>>();
    for (const [from, to] of windows) {
      try {
        appendWindow(
          out,
          await this.chunked("bars", symbols, (part, signal) =>
            this.inner.dailyBars(part, from, to, { ...opts, signal }),
          ),
        );
      } catch (err) {
        // The first window failing whole fails the call (the job retries it); a later one fails its symbols,
        // retryably, and stops: a history with a hole is never reported complete.
        if (!(err instanceof ProviderError) || out.size === 0) throw err;
        for (const s of symbols) out.set(s, { ok: false, error: err.message, cause: err });
        break;
      }
    }
    return out;
  }

  quotes(symbols: string[]): Promise<Map<string, SymbolResult<Quote>>> {
    return this.chunked("quotes", symbols, (part, signal) => this.inner.quotes(part, { signal }));
  }

  marketCap(symbol: string): Promise<MarketCap | null> {
    return this.guarded("market_cap", () =>
      this.caller.call((signal) => this.inner.marketCap(symbol, { signal }), this.costs.marketCap),
    );
  }

  /**
   * Dated market-cap history, only where the vendor has it and the plan includes it (absent otherwise, so the
   * refresh falls back to the current value): every page is one budgeted, retried call.
   */
  readonly marketCaps?: (symbol: string, start: string, end: string) => Promise<MarketCap[]>;

  private async pagedMarketCaps(inner: PagedMarketCaps, symbol: string, start: string, end: string) {
    const byDate = new Map<string, MarketCap>();
    for (let page = 1; ; page++) {
      const { caps, more } = await this.guarded("market_cap_history", () =>
        this.caller.call(
          (signal) => inner.marketCapPage(symbol, start, end, page, { signal }),
          this.costs.marketCapHistory ?? this.costs.marketCap,
        ),
      );
      for (const c of caps) byDate.set(c.date, c);
      if (!more || !caps.length) break;
    }
    return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  }

  splits(symbol: string, start: string, end: string): Promise<Split[]> {
    return this.guarded("splits", () =>
      this.caller.call((signal) => this.inner.splits(symbol, start, end, { signal }), this.costs.splits),
    );
  }

  dividends(symbol: string, start: string, end: string): Promise<Dividend[]> {
    return this.guarded("dividends", () =>
      this.caller.call((signal) => this.inner.dividends(symbol, start, end, { signal }), this.costs.dividends),
    );
  }

  /**
   * A failed chunk marks only its own symbols failed; when every chunk failed the first error is thrown, so a job
   * retries the whole message. After a breaker or budget refusal the rest is not even tried.
   */
  private async chunked<T>(
    capability: Capability,
    symbols: string[],
    call: (part: string[], signal: AbortSignal) => Promise<Map<string, SymbolResult<T>>>,
  ): Promise<Map<string, SymbolResult<T>>> {
    await this.admit(capability);
    const out = new Map<string, SymbolResult<T>>();
    let firstError: ProviderError | undefined;
    let halt: ProviderError | undefined;
    let anyOk = false;
    for (const part of providerParts(symbols, this)) {
      if (halt) {
        for (const s of part) out.set(s, { ok: false, error: halt.message, cause: halt });
        continue;
      }
      try {
        const result = await this.guarded(capability, () =>
          this.caller.call((signal) => call(part, signal), part.length * this.costs.perSymbol),
        );
        for (const [s, r] of result) out.set(s, r);
        anyOk = true;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        firstError ??= err;
        if (err.kind === "breaker_open" || err.kind === "budget_exhausted" || err.kind === "unavailable") halt = err;
        for (const s of part) out.set(s, { ok: false, error: err.message, cause: err });
      }
    }
    if (firstError && !anyOk) throw firstError;
    return out;
  }
}
