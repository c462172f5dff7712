// Latest quotes: stored quote rows (written by refreshes and live ticks), change against the previous close.
import type { Config } from "../config";
import { storedQuotes } from "../db/quotes";
import { readThrough } from "./cache";

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

export async function latestQuotes(env: Env, cfg: Config, symbols: string[]) {
  const load = () => storedQuotes(env.DB, symbols);
  const { value: rows, hit } = await readThrough(
    env.CACHE,
    "quotes",
    [...symbols].sort().join(","),
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
