// A refresh job's stats (what was stored, refused, rejected) and the status rules that read them.
import type { RefreshMessage } from "../schemas/messages";

/** Lists in the stats are capped so a job row stays small however bad the data was. */
export const STATS_LIST_CAP = 100;

export interface RefreshStats {
  mode: RefreshMessage["mode"];
  symbols: number;
  rows_inserted: number;
  rows_revised: number;
  rows_unchanged: number;
  rows_rejected: number;
  /** Symbols with a call that failed or that the vendor refused; their other data may still be stored. */
  symbols_failed: string[];
  failures: Array<{ symbol: string; error: string; retryable: boolean }>;
  /** Symbols whose calls failed transiently: a retry of the job runs only these. */
  retry_symbols: string[];
  rejections: Array<{ symbol: string; date: string; reason: string }>;
  quotes_updated: number;
  market_caps_updated: number;
  corporate_actions_changed: number;
  adjustment_factors_rebuilt: number;
  /** Paper accounts whose holdings a split adjusted in this run. */
  positions_split_adjusted: number;
  /** Indexes given a new version because a constituent's or benchmark's actions or bars changed. */
  index_versions_requested?: number;
  /** Provider capabilities outside the key's plan (never called) or refused by the vendor with a 403. */
  capability_gaps: string[];
  ms: number;
}

/**
 * What the job does next. `retry`: some calls failed transiently; everything else is committed, and the
 * symbols to try again are in `stats.retry_symbols`. `failed`: every symbol was refused; retrying will not help.
 */
export type RefreshOutcome =
  | { status: "succeeded"; stats: RefreshStats }
  | { status: "failed"; stats: RefreshStats; error: string }
  | { status: "retry"; stats: RefreshStats; error: string; retryAfterSeconds?: number };

/** The job's status from its (possibly merged) stats; see src/jobs/refresh-job.ts for the rules. */
export function decide(stats: RefreshStats, retryAfterSeconds?: number): RefreshOutcome {
  // Quotes go stale in a minute: the next cron run is their retry.
  if (stats.retry_symbols.length && stats.mode !== "quotes") {
    const first = stats.failures.find((f) => f.retryable);
    const error = `${stats.retry_symbols.length} symbol(s) hit transient provider failures, e.g. ${first?.symbol}: ${first?.error}`;
    return { status: "retry", stats, error, retryAfterSeconds };
  }
  if (stats.symbols > 0 && stats.symbols_failed.length >= stats.symbols) {
    return { status: "failed", stats, error: `every symbol failed, e.g. ${stats.failures[0]?.error ?? "unknown"}` };
  }
  return { status: "succeeded", stats };
}

/**
 * Folds a retry attempt (which ran only the previous attempt's `retry_symbols`) into the job's running totals:
 * counts add up, and a symbol stays failed only if it failed for good before or failed again now.
 */
export function mergeStats(previous: RefreshStats, current: RefreshStats): RefreshStats {
  const retried = new Set(previous.retry_symbols);
  const keptFailures = previous.failures.filter((f) => !retried.has(f.symbol));
  const symbolsFailed = [...previous.symbols_failed.filter((s) => !retried.has(s)), ...current.symbols_failed];
  const sum = (
    k:
      | "rows_inserted"
      | "rows_revised"
      | "rows_unchanged"
      | "rows_rejected"
      | "quotes_updated"
      | "market_caps_updated"
      | "corporate_actions_changed"
      | "adjustment_factors_rebuilt"
      | "positions_split_adjusted"
      | "index_versions_requested"
      | "ms",
  ) => (previous[k] ?? 0) + (current[k] ?? 0);
  return {
    mode: current.mode,
    symbols: previous.symbols,
    rows_inserted: sum("rows_inserted"),
    rows_revised: sum("rows_revised"),
    rows_unchanged: sum("rows_unchanged"),
    rows_rejected: sum("rows_rejected"),
    symbols_failed: [...new Set(symbolsFailed)],
    failures: [...keptFailures, ...current.failures].slice(0, STATS_LIST_CAP),
    retry_symbols: current.retry_symbols,
    rejections: [...previous.rejections, ...current.rejections].slice(0, STATS_LIST_CAP),
    quotes_updated: sum("quotes_updated"),
    market_caps_updated: sum("market_caps_updated"),
    corporate_actions_changed: sum("corporate_actions_changed"),
    adjustment_factors_rebuilt: sum("adjustment_factors_rebuilt"),
    positions_split_adjusted: sum("positions_split_adjusted"),
    index_versions_requested: sum("index_versions_requested"),
    capability_gaps: [...new Set([...(previous.capability_gaps ?? []), ...(current.capability_gaps ?? [])])],
    ms: sum("ms"),
  };
}
