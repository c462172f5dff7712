// Synthetic market data: a seeded, deterministic universe of realistic assets for local runs without a vendor key.
import { tradingDays } from "../domain/calendar";
import { firstNotBelow } from "../domain/sorted-search";
import { SYNTHETIC_UNIVERSE, type SyntheticAsset } from "./synthetic-universe";
import {
  type Bar,
  type Dividend,
  type MarketCap,
  type MarketDataProvider,
  ProviderError,
  type Quote,
  type Split,
  type SymbolResult,
} from "./types";

/** Bars start here (or at listing): every series is generated forward from a fixed origin, never from a request. */
export const SYNTHETIC_ORIGIN = "2019-01-02";

export { SYNTHETIC_UNIVERSE, type SyntheticAsset } from "./synthetic-universe";

const DAY_MS = 86_400_000;
/** US regular session in UTC (standard time); the live quote glides from the previous close to the day's close. */
const OPEN_UTC_MS = 14.5 * 3_600_000;
const SESSION_MS = 6.5 * 3_600_000;
/** A day's bar is published once the session is over. */
const PUBLISH_UTC_MS = 21 * 3_600_000;
/** How many ticks of noise a live quote sums: consecutive ticks share all but one, so the price moves smoothly. */
const QUOTE_WINDOW = 30;

const BY_SYMBOL = new Map(SYNTHETIC_UNIVERSE.map((a) => [a.symbol, a]));

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Murmur3's finalizer over two words: adjacent day numbers land on unrelated streams. */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: a tiny seeded PRNG, uniform on [0, 1); the same seed always gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

const cents = (x: number) => Math.max(0.01, Math.round(x * 100) / 100);
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

// One shared trading calendar from the origin, extended on demand, so every series indexes the same days.
const calendar: string[] = [];
const calendarDay: number[] = [];
/** Month (1–12) and day of month of each calendar date, so the per-day walk does no string work. */
const calendarMonth: number[] = [];
const calendarDate: number[] = [];
let calendarEnd = "";

function ensureCalendar(end: string): void {
  if (calendarEnd >= end) return;
  const from = calendarEnd ? dateOf(Date.parse(calendarEnd) + DAY_MS) : SYNTHETIC_ORIGIN;
  for (const d of tradingDays(from, end)) {
    calendar.push(d);
    calendarDay.push(Date.parse(d) / DAY_MS);
    calendarMonth.push(Number(d.slice(5, 7)));
    calendarDate.push(Number(d.slice(8, 10)));
  }
  calendarEnd = end;
}

/** Index of the first calendar day on or after `date` (calendar.length when none). */
function lowerBound(date: string): number {
  return firstNotBelow(calendar, date);
}

interface Series {
  asset: SyntheticAsset;
  key: number;
  marketKey: number;
  startDate: string;
  /** Calendar index of bars[0]. */
  first: number;
  bars: Bar[];
  /** Split-free value of the last close: raw price × splits so far. */
  value: number;
  /** Splits after the start, ascending; raw = value / (product of applied ratios). */
  splits: Split[];
  totalRatio: number;
  /** Shares outstanding per bar (aligned with `bars`), in origin units: raw shares = units × split factor. */
  shareUnits: number[];
  /** Cash dividends whose ex-date is among the generated bars, ascending; the raw price drops by each. */
  dividends: Dividend[];
}

const seriesCache = new Map<string, Series>();

function seriesOf(seed: number, asset: SyntheticAsset): Series {
  const id = `${seed}|${asset.symbol}`;
  let s = seriesCache.get(id);
  if (!s) {
    const startDate = asset.listed_at && asset.listed_at > SYNTHETIC_ORIGIN ? asset.listed_at : SYNTHETIC_ORIGIN;
    const splits = asset.splits.filter((x) => x.date > startDate).sort((a, b) => (a.date < b.date ? -1 : 1));
    ensureCalendar(startDate);
    s = {
      asset,
      key: mix(seed, hashString(asset.symbol)),
      marketKey: mix(seed, 0x6d61726b),
      startDate,
      first: lowerBound(startDate),
      bars: [],
      value: asset.start_price,
      splits,
      totalRatio: splits.reduce((p, x) => p * x.ratio, 1),
      shareUnits: [],
      dividends: [],
    };
    seriesCache.set(id, s);
  }
  return s;
}

/** Product of split ratios in effect on `date` (1 before the first split). */
function factorAt(s: Series, date: string): number {
  let f = 1;
  for (const x of s.splits) if (x.date <= date) f *= x.ratio;
  return f;
}

/** Raw shares outstanding on bar `k` of the series: issuance and buybacks (units) times the splits so far. */
const sharesOfBar = (s: Series, k: number) => (s.shareUnits[k] as number) * factorAt(s, (s.bars[k] as Bar).date);

/** Whether calendar index `i` opens a new quarter (its month is a quarter's first and differs from the day before). */
const opensQuarter = (i: number) =>
  (calendarMonth[i] as number) !== calendarMonth[i - 1] && ((calendarMonth[i] as number) - 1) % 3 === 0;

/**
 * Whether calendar index `i` is one of the asset's quarterly ex-dividend dates: each payer keeps its own
 * cycle (months phase+1, +4, +7, +10) and day of month (the first session on or after it), like real calendars.
 */
function isExDate(s: Series, i: number): boolean {
  if (s.asset.dividend_yield <= 0 || i <= s.first) return false;
  const month = calendarMonth[i] as number;
  if ((month - 1 - (s.key % 3)) % 3 !== 0) return false;
  const target = 8 + (s.key % 15);
  return (
    (calendarDate[i] as number) >= target &&
    (calendarMonth[i - 1] !== month || (calendarDate[i - 1] as number) < target)
  );
}

/**
 * Quarterly change of shares outstanding: payers buy back about 2% a year, non-payers issue about 1% a
 * year (compensation, offerings), each quarter with its own noise.
 */
function quarterlyShareChange(s: Series, day: number): number {
  const trend = s.asset.dividend_yield > 0 ? -0.02 : 0.01;
  const noise = 0.003 * normal(mulberry32(mix(s.key ^ 0x73686172, day)));
  return trend / 4 + noise;
}

/** Generates bars up to calendar index `last` (inclusive); each day's randomness depends only on (seed, symbol, day). */
function extend(s: Series, last: number): void {
  const { asset } = s;
  const sd = asset.annual_volatility / Math.sqrt(252);
  const mu = (asset.annual_drift - (asset.annual_volatility * asset.annual_volatility) / 2) / 252;
  const rho = asset.market_correlation;
  const idio = Math.sqrt(1 - rho * rho);
  const turnover = asset.asset_class === "etf" ? 0.06 : 0.008;
  for (let i = s.first + s.bars.length; i <= last; i++) {
    const date = calendar[i] as string;
    const day = calendarDay[i] as number;
    const rng = mulberry32(mix(s.key, day));
    const z = rho * normal(mulberry32(mix(s.marketKey, day))) + idio * normal(rng);
    const r = mu + sd * z;
    const f = factorAt(s, date);
    const k = s.bars.length;
    const previousBar = s.bars[k - 1];
    // The walk is the total return; on an ex-date the price first drops by the dividend paid.
    let prev = s.value;
    if (previousBar && isExDate(s, i)) {
      // Quoted per share of the day: a split on the ex-date restates the previous close in new shares.
      const amount = cents((previousBar.close * factorAt(s, previousBar.date) * s.asset.dividend_yield) / (4 * f));
      if (amount * f < prev / 2) {
        s.dividends.push({ ex_date: date, amount });
        prev -= amount * f;
      }
    }
    const units = previousBar
      ? opensQuarter(i)
        ? (s.shareUnits[k - 1] as number) * (1 + quarterlyShareChange(s, day))
        : (s.shareUnits[k - 1] as number)
      : s.asset.shares_outstanding / s.totalRatio;
    s.shareUnits.push(units);
    const close = prev * Math.exp(r);
    const open = prev * Math.exp(0.3 * r + 0.25 * sd * normal(rng));
    const high = Math.max(open, close) * Math.exp(Math.abs(normal(rng)) * 0.5 * sd);
    const low = Math.min(open, close) * Math.exp(-Math.abs(normal(rng)) * 0.5 * sd);
    const volume = units * f * turnover * Math.exp(0.3 * normal(rng)) * (1 + 0.5 * Math.abs(z));
    // Rounding is monotone, so low ≤ open, close ≤ high survives it.
    s.bars.push({
      date,
      open: cents(open / f),
      high: cents(high / f),
      low: cents(low / f),
      close: cents(close / f),
      volume: Math.max(1, Math.round(volume)),
    });
    s.value = close;
  }
}

/** The bar on calendar index `i`, generating up to it; undefined before the series starts. */
function barAt(s: Series, i: number): Bar | undefined {
  if (i < s.first) return undefined;
  if (i >= s.first + s.bars.length) extend(s, i);
  return s.bars[i - s.first];
}

export interface SyntheticOptions {
  seed: number;
  /** Live quotes change once per tick. */
  tickMs?: number;
  /** Epoch ms; injectable so tests can move time. */
  now?: () => number;
  /** Share of calls that fail as a provider outage would (local soak); 0 by default. */
  faultRate?: number;
}

export class SyntheticProvider implements MarketDataProvider {
  readonly name = "synthetic";
  readonly maxSymbolsPerCall = 100;
  private readonly seed: number;
  private readonly tickMs: number;
  private readonly now: () => number;

  private readonly faultRate: number;

  constructor(opts: SyntheticOptions) {
    this.faultRate = opts.faultRate ?? 0;
    this.seed = opts.seed;
    this.tickMs = opts.tickMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Bars exist up to the last session whose close has passed. */
  private lastPublished(): string {
    const now = this.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    return dateOf(now - today >= PUBLISH_UTC_MS ? today : today - DAY_MS);
  }

  private series(symbol: string): Series | undefined {
    const asset = BY_SYMBOL.get(symbol.toUpperCase());
    return asset ? seriesOf(this.seed, asset) : undefined;
  }

  /** Fails a call now and then when asked to (soak fault injection), as an upstream 503 would. */
  private maybeFault(): void {
    if (this.faultRate > 0 && Math.random() < this.faultRate)
      throw new ProviderError("injected synthetic provider fault", "server", 503);
  }

  async dailyBars(symbols: string[], start: string, end: string): Promise<Map<string, SymbolResult<Bar[]>>> {
    this.maybeFault();
    const out = new Map<string, SymbolResult<Bar[]>>();
    const published = this.lastPublished();
    const until = end < published ? end : published;
    ensureCalendar(until);
    const from = lowerBound(start);
    const to = lowerBound(until) + (calendar[lowerBound(until)] === until ? 1 : 0);
    for (const symbol of symbols) {
      const s = this.series(symbol);
      if (!s) {
        out.set(symbol, { ok: false, error: `unknown symbol ${symbol}` });
        continue;
      }
      if (to - 1 >= s.first) barAt(s, to - 1);
      const lo = Math.max(from, s.first) - s.first;
      const hi = to - s.first;
      out.set(symbol, { ok: true, value: lo < hi ? s.bars.slice(lo, hi).map((b) => ({ ...b })) : [] });
    }
    return out;
  }

  async quotes(symbols: string[]): Promise<Map<string, SymbolResult<Quote>>> {
    const out = new Map<string, SymbolResult<Quote>>();
    const now = this.now();
    const midnight = Math.floor(now / DAY_MS) * DAY_MS;
    const today = dateOf(midnight);
    ensureCalendar(today);
    const session = lowerBound(today) - (calendar[lowerBound(today)] === today ? 0 : 1);
    const progress =
      calendar[session] === today ? Math.min(1, Math.max(0, (now - midnight - OPEN_UTC_MS) / SESSION_MS)) : 1;
    const tick = Math.floor(now / this.tickMs);
    for (const symbol of symbols) {
      const s = this.series(symbol);
      const bar = s ? barAt(s, session) : undefined;
      if (!s || !bar) {
        out.set(symbol, { ok: false, error: s ? `${symbol} has no prices yet` : `unknown symbol ${symbol}` });
        continue;
      }
      const prevBar = barAt(s, session - 1);
      // A split on the session day restates the previous close in new shares, as quote feeds do.
      const previous = prevBar
        ? (prevBar.close * factorAt(s, prevBar.date)) / factorAt(s, bar.date)
        : s.asset.start_price;
      const sd = s.asset.annual_volatility / Math.sqrt(252);
      let walk = 0;
      for (let j = 0; j < QUOTE_WINDOW; j++) walk += 2 * mulberry32(mix(s.key ^ 0x71756f74, tick - j))() - 1;
      const noise = ((0.1 * sd) / Math.sqrt(QUOTE_WINDOW / 3)) * walk;
      const price = previous * Math.exp(progress * Math.log(bar.close / previous) + noise);
      out.set(symbol, {
        ok: true,
        value: {
          symbol: s.asset.symbol,
          price: Math.round(price * 1e4) / 1e4,
          previous_close: cents(previous),
          ts: new Date(now).toISOString(),
        },
      });
    }
    return out;
  }

  async marketCap(symbol: string): Promise<MarketCap | null> {
    const s = this.series(symbol);
    if (!s) return null;
    const published = this.lastPublished();
    ensureCalendar(published);
    const i = lowerBound(published) - (calendar[lowerBound(published)] === published ? 0 : 1);
    return barAt(s, i) ? capOfBar(s, i - s.first) : null;
  }

  /** One observation per session: shares outstanding that day × its raw close. */
  async marketCaps(symbol: string, start: string, end: string): Promise<MarketCap[]> {
    const s = this.series(symbol);
    if (!s) return [];
    const published = this.lastPublished();
    const until = end < published ? end : published;
    ensureCalendar(until);
    const to = lowerBound(until) + (calendar[lowerBound(until)] === until ? 1 : 0);
    if (to - 1 < s.first) return [];
    barAt(s, to - 1);
    const out: MarketCap[] = [];
    for (let k = Math.max(lowerBound(start), s.first) - s.first; k < to - s.first; k++) out.push(capOfBar(s, k));
    return out;
  }

  async splits(symbol: string, start: string, end: string): Promise<Split[]> {
    const asset = BY_SYMBOL.get(symbol.toUpperCase());
    const published = this.lastPublished();
    return (asset?.splits ?? [])
      .filter((x) => x.date >= start && x.date <= end && x.date <= published)
      .map((x) => ({ ...x }));
  }

  async dividends(symbol: string, start: string, end: string): Promise<Dividend[]> {
    const s = this.series(symbol);
    if (!s || s.asset.dividend_yield <= 0) return [];
    const published = this.lastPublished();
    const until = end < published ? end : published;
    ensureCalendar(until);
    const to = lowerBound(until) + (calendar[lowerBound(until)] === until ? 1 : 0);
    if (to - 1 >= s.first) barAt(s, to - 1);
    return s.dividends.filter((d) => d.ex_date >= start && d.ex_date <= until).map((d) => ({ ...d }));
  }
}

function capOfBar(s: Series, k: number): MarketCap {
  const bar = s.bars[k] as Bar;
  const shares = Math.round(sharesOfBar(s, k));
  return { date: bar.date, market_cap: Math.round(bar.close * shares), shares_outstanding: shares };
}
