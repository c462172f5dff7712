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
import { buildPriceMatrix, type PriceHistory, type PriceMatrix } from "../domain/price-matrix";

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

/** Where and how a paged matrix is read. */
export interface MatrixWindow {
  /** First calendar date of the matrix. */
  start: string;
  /** Price history from here carries into the matrix's first date. */
  historyStart: string;
  end: string;
  asOf?: string;
  /** Assets per D1 query (50 unless a test asks for another size: the result must not depend on it). */
  pageSize?: number;
  /** Reads one page's series (default: adjusted closes, as of `asOf`); must cover the same bars as the calendar. */
  read?: (page: ReadonlyArray<{ id: number; symbol: string }>) => Promise<PriceHistory>;
}

/**
 * The same matrix as `buildPriceMatrix` over the whole history of `columns`: the calendar (the union of the
 * assets' dates in the window) is read from D1 first, then each page of assets is aligned by the domain's own
 * `buildPriceMatrix` on that calendar and its columns copied in. Only one page of point objects is alive at a
 * time; `onPage` sees each page's history (e.g. for market caps) before it is dropped. A column without an
 * asset stays NaN, as a symbol without prices does in `buildPriceMatrix`.
 */
export async function readPriceMatrix(
  db: D1Database,
  columns: readonly string[],
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  window: MatrixWindow,
  onPage?: (
    page: ReadonlyArray<{ id: number; symbol: string }>,
    history: PriceHistory,
    matrix: PriceMatrix,
  ) => Promise<void>,
): Promise<PriceMatrix> {
  const n = columns.length;
  const column = new Map(columns.map((s, i) => [s, i]));
  const wanted = assets.filter((a) => column.has(a.symbol));
  const dates = await readCalendar(
    db,
    wanted.map((a) => a.id),
    window.start,
    window.end,
    window.asOf,
  );
  const days = dates.length;
  const matrix: PriceMatrix = {
    dates,
    symbols: [...columns],
    closes: new Float64Array(n * days).fill(Number.NaN),
    firstDay: new Int32Array(n).fill(-1),
    lastDay: new Int32Array(n).fill(-1),
  };
  const calendarSeries = dates.map((date) => ({ date, close: 1 }));
  const size = window.pageSize ?? PAGE;
  for (let i = 0; i < wanted.length; i += size) {
    const page = wanted.slice(i, i + size);
    const history = window.read
      ? await window.read(page)
      : await readHistoryPage(db, page, window.historyStart, window.end, window.asOf);
    const symbols = page.map((a) => a.symbol);
    const part = buildPriceMatrix({ ...history, [CALENDAR]: calendarSeries }, [...symbols, CALENDAR], {
      start: window.start,
      end: window.end,
    });
    if (part.dates.length !== days) throw new Error("page calendar differs from the matrix calendar");
    const k = symbols.length + 1;
    symbols.forEach((symbol, j) => {
      const s = column.get(symbol) as number;
      for (let t = 0; t < days; t++) matrix.closes[t * n + s] = part.closes[t * k + j] as number;
      matrix.firstDay[s] = part.firstDay[j] as number;
      matrix.lastDay[s] = part.lastDay[j] as number;
    });
    if (onPage) await onPage(page, history, matrix);
  }
  return matrix;
}

/**
 * The same result as `computeIndex` on the full history: the index-wide matrix is read page by page
 * (`readPriceMatrix`), market caps alongside each page.
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
  const marketCap = rules.weighting === "market_cap";
  const impliedShares: (ImpliedShares[] | null)[] = new Array(n).fill(null);
  const sources: Record<string, MarketCapSource> = {};
  const window = { start: inputs.matrixStart ?? rules.baseDate, historyStart: inputs.historyStart, end: inputs.end };
  const matrix = await readPriceMatrix(
    db,
    constituents,
    assets,
    { ...window, asOf: inputs.asOf },
    !marketCap
      ? undefined
      : async (page, history, m) => {
          const caps = await readMarketCaps(db, page, inputs.asOf);
          const firstSession = m.dates.find((d) => d >= rules.baseDate) ?? rules.baseDate;
          for (const { symbol } of page) {
            const s = column.get(symbol) as number;
            const schedule = impliedSharesSchedule(caps[symbol], history[symbol]);
            impliedShares[s] = schedule;
            // Before a symbol's first observation its earliest share count stands: named, since it is a later fact.
            const firstObservation = schedule?.[0]?.date;
            const listed = m.dates[m.firstDay[s] as number] ?? "";
            const firstUse = listed > firstSession ? listed : firstSession;
            sources[symbol] = !firstObservation
              ? "none"
              : firstObservation > firstUse
                ? "constant_shares_fallback"
                : "point_in_time";
          }
        },
  );
  if (marketCap && inputs.notes) inputs.notes.market_caps = sources;
  return computeIndexFromMatrix({ ...rules, matrix, impliedShares: marketCap ? impliedShares : undefined });
}
