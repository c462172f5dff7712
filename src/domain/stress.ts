// Stress tests on today's weights: hypothetical shocks (market through beta, sectors, symbols) and historical replays.
import type { LevelPoint } from "./metrics";

export interface StressShocks {
  /** Benchmark move, passed to each holding through its beta. */
  market?: number;
  /** Move per sector, replacing the market effect for that sector's holdings. */
  sectors?: Readonly<Record<string, number>>;
  /** Move per symbol, replacing everything else for that holding. */
  symbols?: Readonly<Record<string, number>>;
}

export interface Holding {
  symbol: string;
  weight: number;
  sector: string | null;
  /** Beta to the benchmark over the lookback; null when unknown (counted as 1). */
  beta: number | null;
}

export interface ShockedHolding {
  symbol: string;
  weight: number;
  shock: number;
  source: "symbol" | "sector" | "market" | "none";
}

/** The shock the request named for `key`: its own entries only (a sector called "constructor" is not Object's). */
function named(shocks: Readonly<Record<string, number>> | undefined, key: string): number | undefined {
  return shocks && Object.hasOwn(shocks, key) ? shocks[key] : undefined;
}

/**
 * Estimated index return Σ w_i s_i, where each holding's move s_i is, most specific first: its symbol's
 * shock, its sector's shock, β_i × the market shock, else 0.
 */
export function applyShocks(
  holdings: readonly Holding[],
  shocks: StressShocks,
): { index_return: number; holdings: ShockedHolding[] } {
  let total = 0;
  const out: ShockedHolding[] = holdings.map((h) => {
    const bySymbol = named(shocks.symbols, h.symbol);
    const bySector = h.sector === null ? undefined : named(shocks.sectors, h.sector);
    const [shock, source]: [number, ShockedHolding["source"]] =
      bySymbol !== undefined
        ? [bySymbol, "symbol"]
        : bySector !== undefined
          ? [bySector, "sector"]
          : shocks.market !== undefined
            ? [(h.beta ?? 1) * shocks.market, "market"]
            : [0, "none"];
    total += h.weight * shock;
    return { symbol: h.symbol, weight: h.weight, shock, source };
  });
  return { index_return: total, holdings: out };
}

export interface Window {
  start: string;
  end: string;
  /** Level return from the close of `start` to the close of `end`. */
  return: number;
}

/** The worst `sessions`-session return of a level series (start and end `sessions` sessions apart); null when too short. */
export function worstWindow(levels: readonly LevelPoint[], sessions: number): Window | null {
  if (levels.length <= sessions) return null;
  let worst: Window | null = null;
  for (let i = sessions; i < levels.length; i++) {
    const a = levels[i - sessions] as LevelPoint;
    const b = levels[i] as LevelPoint;
    const r = b.value / a.value - 1;
    if (!worst || r < worst.return) worst = { start: a.date, end: b.date, return: r };
  }
  return worst;
}

/**
 * Today's weights held through a past window: Σ w_i (P_i(end)/P_i(start) − 1). A holding without both
 * prices moves with the benchmark through its beta when the benchmark has them, else is counted flat; both
 * cases are listed, so a replay never silently rests on partial data.
 */
export function replayWindow(
  holdings: readonly Holding[],
  priceAt: (symbol: string, date: string) => number | undefined,
  window: { start: string; end: string },
  benchmarkReturn: number | null,
): { index_return: number; proxied: string[]; flat: string[] } {
  let total = 0;
  const proxied: string[] = [];
  const flat: string[] = [];
  for (const h of holdings) {
    const a = priceAt(h.symbol, window.start);
    const b = priceAt(h.symbol, window.end);
    if (a !== undefined && b !== undefined && a > 0) total += h.weight * (b / a - 1);
    else if (benchmarkReturn !== null) {
      total += h.weight * (h.beta ?? 1) * benchmarkReturn;
      proxied.push(h.symbol);
    } else flat.push(h.symbol);
  }
  return { index_return: total, proxied, flat };
}
