// Latest quotes: stored quote rows (written by refreshes and live ticks), change against the previous close.
import type { Config } from "../config";
import { storedQuotes } from "../db/quotes";
import { atCurrentVersion, entryKey, readEntry } from "./cache";

export interface QuoteView {
  symbol: string;
  price: number;
  change: number;
  change_pct: number;
  ts: string;
  source: string;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function toQuoteView(
  symbol: string,
  price: number,
  previousClose: number,
  ts: string,
  source: string,
): QuoteView {
  const change = price - previousClose;
  return {
    symbol,
    price,
    change: round(change, 6),
    change_pct: previousClose ? round((change / previousClose) * 100, 4) : 0,
    ts,
    source,
  };
}

/** The versioned cache key of these symbols' quote rows (order does not matter). */
export async function quotesEntryKey(env: Env, symbols: string[]): Promise<string | null> {
  return entryKey(await atCurrentVersion(env.CACHE, "quotes"), [...symbols].sort().join(","));
}

/** `key` from `quotesEntryKey`, when the caller already read the version (e.g. for its ETag). */
export async function latestQuotes(env: Env, cfg: Config, symbols: string[], key?: string | null) {
  const load = () => storedQuotes(env.DB, symbols);
  const { value: rows, hit } = await readEntry(
    env.CACHE,
    key === undefined ? await quotesEntryKey(env, symbols) : key,
    cfg.CACHE_TTL_SECONDS,
    load,
  );
  const bySymbol = new Map(rows.map((r) => [r.symbol, r]));
  const quotes: QuoteView[] = [];
  const missing: string[] = [];
  for (const s of symbols) {
    const r = bySymbol.get(s);
    if (r) quotes.push(toQuoteView(r.symbol, r.price, r.previous_close, r.ts, r.source));
    else missing.push(s);
  }
  return { quotes, missing, hit };
}
