// Assembles an index's price matrix 50 assets at a time, so a 500-name, 10-year build never holds
// every bar as an object: only one page of points lives at once, the rest is one Float64Array.
import { readMarketCaps } from "../db/market-events";
import { readCalendar, readHistoryPage } from "../db/prices";
import {
  computeIndexFromMatrix,
  type ImpliedShares,
  type IndexBuild,
  type IndexRules,
  impliedSharesSchedule,
  indexRulesProblem,
} from "../domain/index-levels";
import { buildPriceMatrix, type PriceMatrix } from "../domain/price-matrix";

const PAGE = 50;
/** A series holding every calendar date, added to each page so the page's matrix has the whole index calendar. */
const CALENDAR = "\u0000calendar";

export interface MatrixInputs {
  constituents: readonly string[];
  assets: ReadonlyArray<{ id: number; symbol: string }>;
  /** First calendar date of the matrix: the base date, or earlier when a weighting reads lookback returns. */
  matrixStart?: string;
  /** Price history from here carries into the matrix's first date. */
  historyStart: string;
  end: string;
  /** Read bars, corporate actions and market caps as they were known at this instant (the version's data_as_of). */
  asOf?: string;
  /** Filled in: where each constituent's market caps came from (point in time, or the constant-shares fallback). */
  notes?: BuildNotes;
}

export type MarketCapSource = "point_in_time" | "constant_shares_fallback" | "none";
export interface BuildNotes {
  market_caps?: Record<string, MarketCapSource>;
}

/**
 * The same result as `computeIndex` on the full history: each page is aligned by the domain's own
 * `buildPriceMatrix` on the full calendar (the union of every constituent's dates, read from D1 first),
 * and its columns are copied into the index-wide matrix.
 */
export async function computeIndexPaged(
  db: D1Database,
  rules: IndexRules,
  inputs: MatrixInputs,
): Promise<{ ok: true; value: IndexBuild } | { ok: false; reason: string; detail: string }> {
  const problem = indexRulesProblem(inputs.constituents, rules);
  if (problem) return { ok: false, reason: problem.reason, detail: problem.detail };
  const { constituents, assets } = inputs;
  const n = constituents.length;
  const column = new Map(constituents.map((s, i) => [s, i]));
  const start = inputs.matrixStart ?? rules.baseDate;
  const dates = await readCalendar(
    db,
    assets.map((a) => a.id),
    start,
    inputs.end,
    inputs.asOf,
  );
  const days = dates.length;
  const closes = new Float64Array(n * days).fill(Number.NaN);
  const firstDay = new Int32Array(n).fill(-1);
  const lastDay = new Int32Array(n).fill(-1);
  const marketCap = rules.weighting === "market_cap";
  const impliedShares: (ImpliedShares[] | null)[] = new Array(n).fill(null);
  const calendarSeries = dates.map((date) => ({ date, close: 1 }));
  const sources: Record<string, MarketCapSource> = {};
  const firstSession = dates.find((d) => d >= rules.baseDate) ?? rules.baseDate;

  for (let i = 0; i < assets.length; i += PAGE) {
    const page = assets.slice(i, i + PAGE);
    const history = await readHistoryPage(db, page, inputs.historyStart, inputs.end, inputs.asOf);
    const caps = marketCap ? await readMarketCaps(db, page, inputs.asOf) : {};
    const symbols = page.map((a) => a.symbol);
    const part = buildPriceMatrix({ ...history, [CALENDAR]: calendarSeries }, [...symbols, CALENDAR], {
      start,
      end: inputs.end,
    });
    if (part.dates.length !== days) throw new Error("page calendar differs from the index calendar");
    const k = symbols.length + 1;
    symbols.forEach((symbol, j) => {
      const s = column.get(symbol) as number;
      for (let t = 0; t < days; t++) closes[t * n + s] = part.closes[t * k + j] as number;
      firstDay[s] = part.firstDay[j] as number;
      lastDay[s] = part.lastDay[j] as number;
      if (marketCap) {
        const schedule = impliedSharesSchedule(caps[symbol], history[symbol]);
        impliedShares[s] = schedule;
        // Before a symbol's first observation its earliest share count stands: named, since it is a later fact.
        const firstObservation = schedule?.[0]?.date;
        const listed = dates[firstDay[s] as number] ?? "";
        const firstUse = listed > firstSession ? listed : firstSession;
        sources[symbol] = !firstObservation
          ? "none"
          : firstObservation > firstUse
            ? "constant_shares_fallback"
            : "point_in_time";
      }
    });
  }
  if (marketCap && inputs.notes) inputs.notes.market_caps = sources;
  const matrix: PriceMatrix = { dates, symbols: [...constituents], closes, firstDay, lastDay };
  return computeIndexFromMatrix({ ...rules, matrix, impliedShares: marketCap ? impliedShares : undefined });
}
