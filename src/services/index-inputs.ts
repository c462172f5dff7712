// Assembles an index's price matrix 50 assets per query, so a 500-name, 10-year build never holds every bar as
// an object: the closes wait as plain columns, one page of points lives at once, the matrix is one Float64Array.
import { readMarketCaps } from "../db/market-events";
import { readCalendar, readFactorSegments, readSeriesPage, type SeriesColumns, type SharedDates } from "../db/prices";
import {
  computeIndexFromMatrix,
  type ImpliedShares,
  type IndexBuild,
  type IndexRules,
  impliedSharesSchedule,
  indexRulesProblem,
  type PriceFactor,
  priceFactorSchedule,
} from "../domain/index-levels";
import {
  buildPriceMatrix,
  type PriceHistory,
  type PriceMatrix,
  type PricePoint,
  withDates,
} from "../domain/price-matrix";

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

/** Called with each page's history once its columns are in the matrix. */
type PageHook = (
  page: ReadonlyArray<{ id: number; symbol: string }>,
  history: PriceHistory,
  matrix: PriceMatrix,
) => Promise<void>;

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
 * The same matrix as `buildPriceMatrix` over the whole history of `columns`, read 50 assets per D1 query. Adjusted
 * closes (no `read`): every page is read first as date and close columns (assets that traded on the same days
 * share one date list), the calendar is the union of their dates in the window, then each page of assets is
 * aligned by the domain's own `buildPriceMatrix` on it. A custom `read` reads the calendar from D1 first, then
 * each page once. Only one page of point objects is alive at a time; `onPage` sees each page's history (e.g. for
 * market caps) before it is dropped. A column without an asset stays NaN, as a symbol without prices does in
 * `buildPriceMatrix`.
 */
export async function readPriceMatrix(
  db: D1Database,
  columns: readonly string[],
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  window: MatrixWindow,
  onPage?: PageHook,
): Promise<PriceMatrix> {
  const column = new Map(columns.map((s, i) => [s, i]));
  const wanted = assets.filter((a) => column.has(a.symbol));
  const size = window.pageSize ?? PAGE;
  const pages: Array<ReadonlyArray<{ id: number; symbol: string }>> = [];
  for (let i = 0; i < wanted.length; i += size) pages.push(wanted.slice(i, i + size));
  if (window.read) {
    // A custom read's series may carry more than closes: its calendar is read first, then each page once.
    const read = window.read;
    const dates = await readCalendar(
      db,
      wanted.map((a) => a.id),
      window.start,
      window.end,
      window.asOf,
    );
    return alignPages(columns, column, dates, pages, (page) => read(page), window, onPage);
  }
  // The adjusted closes: every page read first, as columns (a date list shared by the assets that traded on the
  // same days), and the calendar is the union of their dates, so it costs no query of its own.
  const shared: SharedDates = new Map();
  const series: Record<string, SeriesColumns> = {};
  let dates: string[] = [];
  const folded = new Set<readonly string[]>();
  for (const page of pages) {
    const part = await readSeriesPage(db, page, window.historyStart, window.end, window.asOf, shared);
    for (const { symbol } of page) {
      const one = part[symbol] as SeriesColumns;
      series[symbol] = one;
      if (folded.has(one.dates)) continue;
      folded.add(one.dates);
      dates = withDates(dates, one.dates, { start: window.start, end: window.end });
    }
  }
  const history = async (page: ReadonlyArray<{ id: number; symbol: string }>) => {
    const out: Record<string, PricePoint[]> = {};
    for (const { symbol } of page) {
      const one = series[symbol] as SeriesColumns;
      out[symbol] = one.dates.map((date, i) => ({ date, close: one.closes[i] as number }));
      delete series[symbol]; // aligned once: its columns can go
    }
    return out;
  };
  return alignPages(columns, column, dates, pages, history, window, onPage);
}

/**
 * Aligns each page's history (read by `history`) on the matrix calendar `dates` with the domain's own
 * `buildPriceMatrix` and copies its columns in; `onPage` sees each page's history and the matrix so far.
 */
async function alignPages(
  columns: readonly string[],
  column: ReadonlyMap<string, number>,
  dates: string[],
  pages: ReadonlyArray<ReadonlyArray<{ id: number; symbol: string }>>,
  history: (page: ReadonlyArray<{ id: number; symbol: string }>) => Promise<PriceHistory>,
  window: MatrixWindow,
  onPage?: PageHook,
): Promise<PriceMatrix> {
  const n = columns.length;
  const days = dates.length;
  const matrix: PriceMatrix = {
    dates,
    symbols: [...columns],
    closes: new Float64Array(n * days).fill(Number.NaN),
    firstDay: new Int32Array(n).fill(-1),
    lastDay: new Int32Array(n).fill(-1),
  };
  const calendarSeries = dates.map((date) => ({ date, close: 1 }));
  for (const page of pages) {
    const part = await history(page);
    const symbols = page.map((a) => a.symbol);
    const aligned = buildPriceMatrix({ ...part, [CALENDAR]: calendarSeries }, [...symbols, CALENDAR], {
      start: window.start,
      end: window.end,
    });
    if (aligned.dates.length !== days) throw new Error("page calendar differs from the matrix calendar");
    const k = symbols.length + 1;
    symbols.forEach((symbol, j) => {
      const s = column.get(symbol) as number;
      for (let t = 0; t < days; t++) matrix.closes[t * n + s] = aligned.closes[t * k + j] as number;
      matrix.firstDay[s] = aligned.firstDay[j] as number;
      matrix.lastDay[s] = aligned.lastDay[j] as number;
    });
    if (onPage) await onPage(page, part, matrix);
  }
  return matrix;
}

/**
 * The same result as `computeIndex` on the full history: the index-wide matrix is read page by page
 * (`readPriceMatrix`), market caps (market-cap weighting) or adjustment factors (price weighting) alongside each page.
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
  const onMarketCaps: PageHook = async (page, history, m) => {
    const caps = await readMarketCaps(db, page, inputs.asOf);
    const firstSession = m.dates.find((d) => d >= rules.baseDate) ?? rules.baseDate;
    for (const { symbol } of page) {
      const s = column.get(symbol) as number;
      const schedule = impliedSharesSchedule(caps[symbol], history[symbol]);
      impliedShares[s] = schedule;
      // Before a symbol's first observation its earliest share count stands: named, since it is a later fact.
      const firstObservation = schedule?.[0]?.date;
      const listed = m.dates[m.firstDay[s] as number] ?? "";
      // biome-ignore lint/complexity/useMathMinMax: ISO dates are strings; Math.max would make them NaN
      const firstUse = listed > firstSession ? listed : firstSession;
      sources[symbol] = !firstObservation
        ? "none"
        : firstObservation > firstUse
          ? "constant_shares_fallback"
          : "point_in_time";
    }
  };
  // Price weighting weighs quoted closes: each page's factor segments (as of the same instant as its closes), dated
  // by its bars, so the kernel divides the adjusted close it holds by the factor of the bar that close came from.
  const price = rules.weighting === "price";
  const priceFactors: (PriceFactor[] | null)[] = price ? new Array(n).fill(null) : [];
  const onPriceFactors: PageHook = async (page, history) => {
    const segments = await readFactorSegments(
      db,
      page.map((a) => a.id),
      inputs.asOf,
    );
    for (const { id, symbol } of page)
      priceFactors[column.get(symbol) as number] = priceFactorSchedule(segments.get(id), history[symbol]);
  };
  const matrix = await readPriceMatrix(
    db,
    constituents,
    assets,
    { ...window, asOf: inputs.asOf },
    marketCap ? onMarketCaps : price ? onPriceFactors : undefined,
  );
  if (marketCap && inputs.notes) inputs.notes.market_caps = sources;
  return computeIndexFromMatrix({
    ...rules,
    matrix,
    impliedShares: marketCap ? impliedShares : undefined,
    priceFactors: price ? priceFactors : undefined,
  });
}
