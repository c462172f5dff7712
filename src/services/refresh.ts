// The refresh pipeline for one message: fetch from the provider, screen, write bars, market caps, corporate actions
// and quotes to D1, rebuild adjustment factors, bump the caches it touched and publish quotes to PriceHub.
import { activeAssetIds } from "../db/assets";
import {
  type ActionRow,
  type MarketCapRow,
  rebuildAdjustmentFactors,
  upsertCorporateActions,
  upsertMarketCaps,
} from "../db/market-events";
import { type BarRow, lastBarDates, upsertBars } from "../db/prices";
import { type QuoteRow, upsertQuotes } from "../db/quotes";
import { screenBars } from "../domain/bar-quality";
import { type SessionCalendar, sessionCalendarOf } from "../domain/calendar";
import { providerParts } from "../providers/resilience";
import { type MarketCap, type MarketDataProvider, ProviderError } from "../providers/types";
import type { RefreshMessage } from "../schemas/messages";
import { bumpVersion } from "./cache";
import { versionIndexesAfterRefresh } from "./index-refresh-versions";
import { type LiveQuote, publishQuotes } from "./live";
import { type Asset, errorText, type RefreshDeps, Run } from "./refresh-run";
import type { RefreshOutcome } from "./refresh-stats";
import { applyDueSplits } from "./split-adjustments";

export type { RefreshDeps } from "./refresh-run";
export { decide, mergeStats, type RefreshOutcome, type RefreshStats } from "./refresh-stats";

const DAY_MS = 86_400_000;
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const minusDays = (date: string, days: number) => dateOf(new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY_MS));

/** Runs one refresh message end to end. Never throws for provider trouble; D1/KV errors propagate (retry). */
export async function runRefresh(env: Env, msg: RefreshMessage, deps: RefreshDeps): Promise<RefreshOutcome> {
  const started = Date.now();
  const run = new Run(env, msg, deps);
  const assets = await resolveAssets(env, run);
  if (msg.mode === "quotes") await refreshQuotes(run, assets);
  else await refreshHistory(run, assets);
  if (run.touched.size) await bumpVersion(env.CACHE, ...run.touched);
  return run.outcome(started);
}

async function resolveAssets(env: Env, run: Run): Promise<Asset[]> {
  const wanted = run.msg.symbols?.map((s) => s.toUpperCase());
  const assets = await activeAssetIds(env.DB, wanted);
  run.stats.symbols = wanted ? new Set(wanted).size : assets.length;
  const known = new Set(assets.map((a) => a.symbol));
  // An asset deleted between planning and running: nothing to fetch, nothing to retry.
  for (const s of new Set(wanted ?? []))
    if (!known.has(s)) run.fail(s, new Error("no active asset with this symbol"), false);
  return assets;
}

async function refreshQuotes(run: Run, assets: Asset[]): Promise<void> {
  const bySymbol = new Map(assets.map((a) => [a.symbol, a]));
  const rows: QuoteRow[] = [];
  const live: LiveQuote[] = [];
  for (const part of providerParts(assets, run.provider)) {
    const symbols = part.map((a) => a.symbol);
    let answer: Awaited<ReturnType<MarketDataProvider["quotes"]>>;
    try {
      answer = await run.provider.quotes(symbols);
    } catch (err) {
      for (const s of symbols) run.fail(s, err);
      continue;
    }
    for (const s of symbols) {
      const r = answer.get(s);
      if (!r) run.fail(s, new ProviderError(`${s} missing from the answer`, "invalid_response"));
      else if (!r.ok) run.fail(s, r.cause ?? new Error(r.error), r.cause ? undefined : false);
      else if (!(r.value.price > 0 && r.value.previous_close > 0 && Number.isFinite(Date.parse(r.value.ts)))) {
        run.reject(s, r.value.ts?.slice(0, 10) ?? "", "invalid_quote");
      } else {
        const asset = bySymbol.get(s) as Asset;
        rows.push({ assetId: asset.id, price: r.value.price, previousClose: r.value.previous_close, ts: r.value.ts });
        live.push({
          symbol: s,
          price: r.value.price,
          previous_close: r.value.previous_close,
          ts: r.value.ts,
          source: run.provider.name,
        });
      }
    }
  }
  if (!rows.length) return;
  run.stats.quotes_updated = await upsertQuotes(run.env.DB, rows, run.provider.name);
  if (run.stats.quotes_updated > 0) run.touched.add("quotes");
  await (run.deps.publishQuotes ?? publishToPriceHub)(run.env, live);
}

/** Where each asset's fetch starts: the explicit start, else a few days before its last stored bar, else its backfill depth. */
async function fetchStarts(run: Run, assets: Asset[]): Promise<Map<number, string>> {
  const { cfg } = run.deps;
  const backfillFloor = minusDays(run.today, Math.round(cfg.BACKFILL_YEARS * 365.25));
  const backfillStart = (a: Asset) => (a.listedAt && a.listedAt > backfillFloor ? a.listedAt : backfillFloor);
  const starts = new Map<number, string>();
  if (run.msg.start) {
    for (const a of assets) starts.set(a.id, run.msg.start);
    return starts;
  }
  const last =
    run.msg.mode !== "backfill"
      ? await lastBarDates(
          run.env.DB,
          assets.map((a) => a.id),
        )
      : new Map<number, string>();
  // The overlap re-reads recent days so a vendor's late corrections become revisions.
  for (const a of assets) {
    const l = last.get(a.id);
    starts.set(a.id, l ? minusDays(l, cfg.REFRESH_OVERLAP_DAYS) : backfillStart(a));
  }
  return starts;
}

async function refreshHistory(run: Run, assets: Asset[]): Promise<void> {
  const end = run.msg.end ?? run.today;
  const starts = await fetchStarts(run, assets);
  // One call carries symbols with the same start and the same calendar (which sizes the vendor's date windows).
  const groups = new Map<string, { start: string; calendar: SessionCalendar; assets: Asset[] }>();
  for (const a of assets) {
    const start = starts.get(a.id) as string;
    if (start > end) continue;
    const calendar = sessionCalendarOf(a.assetClass);
    const key = `${start}|${calendar}`;
    const group = groups.get(key) ?? { start, calendar, assets: [] };
    group.assets.push(a);
    groups.set(key, group);
  }
  const fetched: Array<{ asset: Asset; start: string }> = [];
  const changedSymbols = new Set<string>();
  for (const { start, calendar, assets: group } of groups.values()) {
    // A corporate-actions-only run (the credit planner's second phase) reads from where the bars were read.
    if (!run.wants("bars")) {
      for (const a of group) fetched.push({ asset: a, start });
      continue;
    }
    for (const part of providerParts(group, run.provider)) {
      const rows = await fetchBars(run, part, start, end, calendar);
      for (const a of part) if (!run.isFailed(a.symbol)) fetched.push({ asset: a, start });
      if (!rows.length) continue;
      const written = await upsertBars(run.env.DB, rows, run.provider.name, run.recordedAt);
      run.stats.rows_inserted += written.rows_inserted;
      run.stats.rows_revised += written.rows_revised;
      run.stats.rows_unchanged += written.rows_unchanged;
      if (written.rows_inserted + written.rows_revised > 0) for (const a of part) changedSymbols.add(a.symbol);
    }
  }
  if (run.wants("corporate_actions")) await refreshCorporateActions(run, fetched, end);
  if (run.wants("market_caps")) await refreshMarketCaps(run, fetched, end);
  const rebuilt = await rebuildAdjustmentFactors(
    run.env.DB,
    fetched.map((f) => f.asset.id),
  );
  run.stats.adjustment_factors_rebuilt = rebuilt.length;
  // Paper accounts that held through a split now stored get their shares restated (once per account and split).
  run.stats.positions_split_adjusted = (await applyDueSplits(run.env.DB, run.today)).length;
  // Indexes holding an asset whose actions or bars changed since their newest version get a new one. This
  // keys off stored timestamps, not this run's counts, so a retried or redelivered run requests none twice.
  run.stats.index_versions_requested = (
    await versionIndexesAfterRefresh(
      run.env,
      fetched.map((f) => f.asset.id),
    )
  ).length;
  const symbolOf = new Map(assets.map((a) => [a.id, a.symbol]));
  for (const id of rebuilt) changedSymbols.add(symbolOf.get(id) as string);
  for (const s of changedSymbols) run.touched.add(`prices:${s}`);
  if (changedSymbols.size) run.touched.add("analytics");
}

/** One provider call for a chunk; screened rows ready to store. Per-symbol trouble never sinks the chunk. */
async function fetchBars(
  run: Run,
  part: Asset[],
  start: string,
  end: string,
  calendar: SessionCalendar,
): Promise<BarRow[]> {
  const symbols = part.map((a) => a.symbol);
  let answer: Awaited<ReturnType<MarketDataProvider["dailyBars"]>>;
  try {
    answer = await run.provider.dailyBars(symbols, start, end, { calendar });
  } catch (err) {
    for (const s of symbols) run.fail(s, err);
    return [];
  }
  const rows: BarRow[] = [];
  for (const asset of part) {
    const r = answer.get(asset.symbol);
    // A symbol missing from the answer means the answer was cut short: retry, do not guess.
    if (!r) run.fail(asset.symbol, new ProviderError(`${asset.symbol} missing from the answer`, "invalid_response"));
    else if (!r.ok) run.fail(asset.symbol, r.cause ?? new Error(r.error), r.cause ? undefined : false);
    else if (!Array.isArray(r.value))
      run.fail(asset.symbol, new ProviderError(`${asset.symbol}: bars are not a list`, "invalid_response"));
    else {
      const { accepted, rejected } = screenBars(r.value, run.today);
      for (const x of rejected) run.reject(asset.symbol, x.date, x.reason);
      for (const b of accepted) {
        rows.push({
          assetId: asset.id,
          date: b.date,
          open: b.open,
          high: b.high,
          low: b.low,
          close: b.close,
          volume: b.volume,
        });
      }
    }
  }
  return rows;
}

async function refreshCorporateActions(
  run: Run,
  fetched: Array<{ asset: Asset; start: string }>,
  end: string,
): Promise<void> {
  const rows: ActionRow[] = [];
  for (const { asset, start } of fetched) {
    try {
      const splits = await run.optional("splits", [], () => run.provider.splits(asset.symbol, start, end));
      const dividends = await run.optional("dividends", [], () => run.provider.dividends(asset.symbol, start, end));
      for (const s of splits) {
        if (Number.isFinite(s.ratio) && s.ratio > 0 && s.ratio !== 1 && /^\d{4}-\d{2}-\d{2}$/.test(s.date)) {
          rows.push({ assetId: asset.id, kind: "split", date: s.date, ratio: s.ratio });
        } else run.reject(asset.symbol, String(s.date), "invalid_split");
      }
      for (const d of dividends) {
        if (Number.isFinite(d.amount) && d.amount > 0 && /^\d{4}-\d{2}-\d{2}$/.test(d.ex_date)) {
          rows.push({ assetId: asset.id, kind: "dividend", date: d.ex_date, amount: d.amount });
        } else run.reject(asset.symbol, String(d.ex_date), "invalid_dividend");
      }
    } catch (err) {
      run.fail(asset.symbol, err);
    }
  }
  run.stats.corporate_actions_changed = await upsertCorporateActions(run.env.DB, rows, run.provider.name);
}

/**
 * Market caps: the dated history over each asset's fetch window where the source has one (point-in-time
 * weights), else today's single observation. A later history read restates nothing that did not change.
 */
async function refreshMarketCaps(
  run: Run,
  fetched: Array<{ asset: Asset; start: string }>,
  end: string,
): Promise<void> {
  const rows: MarketCapRow[] = [];
  const valid = (cap: MarketCap) =>
    Number.isFinite(cap.market_cap) &&
    cap.market_cap > 0 &&
    /^\d{4}-\d{2}-\d{2}$/.test(cap.date) &&
    cap.date <= run.today &&
    (cap.shares_outstanding === undefined || (Number.isFinite(cap.shares_outstanding) && cap.shares_outstanding > 0));
  for (const { asset, start } of fetched) {
    try {
      const history = run.provider.marketCaps?.bind(run.provider);
      const caps = history
        ? await run.optional("market_cap_history", [] as MarketCap[], () => history(asset.symbol, start, end))
        : [await run.optional("market_cap", null, () => run.provider.marketCap(asset.symbol))].filter(
            (c): c is MarketCap => c !== null,
          );
      for (const cap of caps) {
        if (valid(cap)) {
          rows.push({
            assetId: asset.id,
            date: cap.date,
            marketCap: cap.market_cap,
            sharesOutstanding: cap.shares_outstanding ?? null,
          });
        } else run.reject(asset.symbol, String(cap.date), "invalid_market_cap");
      }
    } catch (err) {
      run.fail(asset.symbol, err);
    }
  }
  run.stats.market_caps_updated = await upsertMarketCaps(run.env.DB, rows, run.provider.name);
  if (run.stats.market_caps_updated > 0) run.touched.add("assets");
}

/**
 * Sends stored quotes to the live stream (PriceHub numbers them, fans them out, fires alerts and fills). The
 * stream is best effort: a failing hub is logged, and the stored quotes already answer /v1/quotes.
 */
export async function publishToPriceHub(env: Env, quotes: LiveQuote[]): Promise<void> {
  if (!quotes.length) return;
  try {
    await publishQuotes(env, quotes);
  } catch (err) {
    console.warn(
      JSON.stringify({ level: "warn", msg: "price hub publish failed", quotes: quotes.length, error: errorText(err) }),
    );
  }
}
