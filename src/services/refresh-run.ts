// One refresh run's bookkeeping: its stats, failed and rejected symbols, capability gaps, the caches it touched
// and the outcome it ends with.
import type { Config } from "../config";
import { nowIso } from "../db/ids";
import { type MarketDataProvider, ProviderError } from "../providers/types";
import type { RefreshMessage, RefreshPart } from "../schemas/messages";
import type { CacheNamespace } from "./cache";
import type { LiveQuote } from "./live";
import { decide, type RefreshOutcome, type RefreshStats, STATS_LIST_CAP } from "./refresh-stats";

const dateOf = (d: Date) => d.toISOString().slice(0, 10);

export interface RefreshDeps {
  provider: MarketDataProvider;
  cfg: Config;
  now?: () => Date;
  /** Hands fresh quotes to the live stream; failures there never fail a refresh. */
  publishQuotes?: (env: Env, quotes: LiveQuote[]) => Promise<void>;
}

export interface Asset {
  id: number;
  symbol: string;
  listedAt: string | null;
  assetClass: string;
}

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/** Outages are worth a retry; a vendor refusing the request itself (4xx) is not. */
const isTransient = (err: unknown) =>
  !(err instanceof ProviderError && (err.kind === "client" || err.kind === "unavailable"));

export class Run {
  readonly stats: RefreshStats;
  readonly recordedAt = nowIso();
  readonly today: string;
  readonly touched = new Set<CacheNamespace>();
  private retryAfter: number | undefined;
  private readonly failed = new Set<string>();

  constructor(
    readonly env: Env,
    readonly msg: RefreshMessage,
    readonly deps: RefreshDeps,
  ) {
    this.today = dateOf(deps.now?.() ?? new Date());
    this.stats = {
      mode: msg.mode,
      symbols: 0,
      rows_inserted: 0,
      rows_revised: 0,
      rows_unchanged: 0,
      rows_rejected: 0,
      symbols_failed: [],
      failures: [],
      retry_symbols: [],
      rejections: [],
      quotes_updated: 0,
      market_caps_updated: 0,
      corporate_actions_changed: 0,
      adjustment_factors_rebuilt: 0,
      positions_split_adjusted: 0,
      capability_gaps: [],
      ms: 0,
    };
  }

  get provider() {
    return this.deps.provider;
  }

  fail(symbol: string, err: unknown, retryable = isTransient(err)): void {
    if (!this.failed.has(symbol)) {
      this.failed.add(symbol);
      this.stats.symbols_failed.push(symbol);
    }
    if (this.stats.failures.length < STATS_LIST_CAP)
      this.stats.failures.push({ symbol, error: errorText(err), retryable });
    if (retryable && !this.stats.retry_symbols.includes(symbol)) this.stats.retry_symbols.push(symbol);
    if (retryable && err instanceof ProviderError && err.retryAfterSeconds !== undefined) {
      this.retryAfter = Math.max(this.retryAfter ?? 0, err.retryAfterSeconds);
    }
  }

  reject(symbol: string, date: string, reason: string): void {
    this.stats.rows_rejected++;
    if (this.stats.rejections.length < STATS_LIST_CAP) this.stats.rejections.push({ symbol, date, reason });
  }

  /** A call outside the plan is a capability gap, not a failed symbol: recorded once, never retried. */
  async optional<T>(capability: string, empty: T, fn: () => Promise<T>): Promise<T> {
    if (this.stats.capability_gaps.includes(capability)) return empty;
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ProviderError && err.kind === "unavailable")) throw err;
      this.stats.capability_gaps.push(capability);
      return empty;
    }
  }

  wants(part: RefreshPart): boolean {
    return !this.msg.parts || this.msg.parts.includes(part);
  }

  isFailed(symbol: string) {
    return this.failed.has(symbol);
  }

  outcome(started: number): RefreshOutcome {
    this.stats.ms = Date.now() - started;
    return decide(this.stats, this.retryAfter);
  }
}
