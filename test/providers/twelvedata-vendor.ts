// A model of Twelve Data's documented behaviour (test/fixtures/twelvedata/README.md), served as an injected fetch.
// It owns the vendor's conventions so the client is tested against them, not against its own assumptions:
// plans and per-endpoint credit costs, `adjust` defaults, `range` defaults, newest-first order, the 5,000-bar cap,
// batch answers keyed by symbol, error bodies with HTTP 200, and the credits-used headers.
import error401 from "../fixtures/twelvedata/error_401_invalid_key.json";
import error403 from "../fixtures/twelvedata/error_403_plan.json";
import { json } from "./fake-twelvedata";

export type VendorPlan = "basic" | "grow" | "pro" | "ultra";
const PLAN_RANK: Record<VendorPlan, number> = { basic: 0, grow: 1, pro: 2, ultra: 3 };

/** Transcribed from the fixtures README (the vendor's `x-starting-plan` and `x-api-credits-cost`). */
export const VENDOR_ENDPOINTS: Record<string, { plan: VendorPlan; credits: number; per: "symbol" | "request" }> = {
  "/time_series": { plan: "basic", credits: 1, per: "symbol" },
  "/quote": { plan: "basic", credits: 1, per: "symbol" },
  "/splits": { plan: "grow", credits: 20, per: "symbol" },
  "/dividends": { plan: "grow", credits: 20, per: "symbol" },
  "/statistics": { plan: "pro", credits: 50, per: "symbol" },
  "/market_cap": { plan: "ultra", credits: 5, per: "request" },
};

export interface VendorBar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** What the vendor knows about one symbol, unadjusted: bars as traded, splits as announced, dividends as paid. */
export interface VendorSymbol {
  bars: VendorBar[];
  /** `from_factor`-for-`to_factor`: a 4-for-1 split is from 4, to 1 (the vendor's AAPL example). */
  splits?: Array<{ date: string; from_factor: number; to_factor: number }>;
  dividends?: Array<{ ex_date: string; amount: number }>;
  marketCaps?: Array<{ date: string; value: number }>;
}

export interface VendorOptions {
  plan?: VendorPlan;
  apiKey: string;
  symbols: Record<string, VendorSymbol>;
  now: () => number;
  /** Free plan: 8 a minute, 800 a day (the daily cap resets at midnight UTC). */
  creditsPerMinute?: number;
  creditsPerDay?: number;
}

export interface VendorRequest {
  path: string;
  params: Record<string, string>;
  credits: number;
  status: "ok" | "error";
  code?: number;
}

const DAY_MS = 86_400_000;
const fmt = (n: number) => n.toFixed(5);
const noData = { code: 400, message: "No data is available on the specified dates.", status: "error" };
const bad = (message: string) => ({ code: 400, message, status: "error" });

/** Product of (from / to) of every split strictly after `date`: what the vendor divides earlier prices by. */
function splitFactorAfter(sym: VendorSymbol, date: string): number {
  return (sym.splits ?? []).filter((s) => s.date > date).reduce((f, s) => f * (s.from_factor / s.to_factor), 1);
}

/** CRSP-style dividend factor: every dividend after `date` scales earlier prices by (1 - D / previous close). */
function dividendFactorAfter(sym: VendorSymbol, date: string): number {
  let f = 1;
  for (const d of sym.dividends ?? []) {
    if (d.ex_date <= date) continue;
    const prev = sym.bars.filter((b) => b.date < d.ex_date).at(-1);
    if (prev) f *= 1 - d.amount / prev.close;
  }
  return f;
}

/** The vendor's `range` (relative to today); `full` is everything, `last` the single latest past event. */
function inRange<T>(items: T[], dateOf: (t: T) => string, range: string, today: string): T[] | null {
  const past = items.filter((i) => dateOf(i) <= today).sort((a, b) => (dateOf(a) < dateOf(b) ? 1 : -1));
  const back = (days: number) => new Date(Date.parse(`${today}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
  const since: Record<string, string> = {
    "1m": back(31),
    "3m": back(92),
    "6m": back(183),
    ytd: `${today.slice(0, 4)}-01-01`,
    "1y": back(366),
    "2y": back(731),
    "5y": back(1827),
    full: "0000-00-00",
  };
  if (range === "last") return past.slice(0, 1);
  if (range === "next") return items.filter((i) => dateOf(i) > today).slice(0, 1);
  const from = since[range];
  if (from === undefined) return null;
  return past.filter((i) => dateOf(i) >= from);
}

export function twelveDataVendor(opts: VendorOptions) {
  const plan = opts.plan ?? "basic";
  const perMinute = opts.creditsPerMinute ?? 8;
  const perDay = opts.creditsPerDay ?? 800;
  const requests: VendorRequest[] = [];
  const spent = new Map<string, number>();
  const used = { total: 0 };

  const today = () => new Date(opts.now()).toISOString().slice(0, 10);
  const minuteKey = () => `m${Math.floor(opts.now() / 60_000)}`;
  const dayKey = () => `d${today()}`;

  function timeSeries(symbol: string, p: Record<string, string>): unknown {
    const sym = opts.symbols[symbol];
    if (!sym) return { code: 404, message: `symbol not found: ${symbol}`, status: "error" };
    if (p.interval !== "1day") return bad("interval parameter is incorrect");
    const adjust = p.adjust ?? "splits";
    if (!["all", "splits", "dividends", "none"].includes(adjust)) return bad("adjust parameter is incorrect");
    const size = Number(p.outputsize ?? "30");
    if (!Number.isInteger(size) || size < 1 || size > 5000) return bad("outputsize parameter is incorrect");
    let bars = sym.bars.filter(
      (b) => (!p.start_date || b.date >= p.start_date) && (!p.end_date || b.date <= p.end_date),
    );
    // Newest bars win the cap: a window longer than 5,000 bars silently loses its oldest.
    bars = bars.slice(-Math.min(5000, p.start_date && p.end_date ? 5000 : size));
    if (!bars.length) return noData;
    const values = bars.map((b) => {
      const split = adjust === "splits" || adjust === "all" ? splitFactorAfter(sym, b.date) : 1;
      const div = adjust === "dividends" || adjust === "all" ? dividendFactorAfter(sym, b.date) : 1;
      const px = (x: number) => fmt((x / split) * div);
      return {
        datetime: b.date,
        open: px(b.open),
        high: px(b.high),
        low: px(b.low),
        close: px(b.close),
        volume: String(Math.round(b.volume * split)),
      };
    });
    if ((p.order ?? "desc").toLowerCase() !== "asc") values.reverse();
    return {
      meta: { symbol, interval: "1day", currency: "USD", exchange_timezone: "America/New_York", type: "Common Stock" },
      values,
      status: "ok",
    };
  }

  function quote(symbol: string): unknown {
    const sym = opts.symbols[symbol];
    const last = sym?.bars.at(-1);
    const prev = sym?.bars.at(-2);
    if (!last || !prev) return { code: 404, message: `symbol not found: ${symbol}`, status: "error" };
    return {
      symbol,
      datetime: last.date,
      timestamp: Math.floor(Date.parse(`${last.date}T20:00:00Z`) / 1000),
      open: fmt(last.open),
      high: fmt(last.high),
      low: fmt(last.low),
      close: fmt(last.close),
      volume: String(last.volume),
      previous_close: fmt(prev.close),
      is_market_open: false,
    };
  }

  function splits(symbol: string, p: Record<string, string>): unknown {
    const sym = opts.symbols[symbol];
    if (!sym) return { code: 404, message: `symbol not found: ${symbol}`, status: "error" };
    const picked = inRange(sym.splits ?? [], (s) => s.date, p.range ?? "last", today());
    if (!picked) return bad("range parameter is incorrect");
    const within = picked.filter(
      (s) => (!p.start_date || s.date >= p.start_date) && (!p.end_date || s.date <= p.end_date),
    );
    return {
      meta: { symbol },
      splits: within.map((s) => ({
        date: s.date,
        description: `${s.from_factor}-for-${s.to_factor} split`,
        ratio: Number((s.to_factor / s.from_factor).toFixed(5)),
        from_factor: s.from_factor,
        to_factor: s.to_factor,
      })),
    };
  }

  function dividends(symbol: string, p: Record<string, string>): unknown {
    const sym = opts.symbols[symbol];
    if (!sym) return { code: 404, message: `symbol not found: ${symbol}`, status: "error" };
    // `range` (default `last`) takes precedence over the dates.
    const picked = inRange(sym.dividends ?? [], (d) => d.ex_date, p.range ?? "last", today());
    if (!picked) return bad("range parameter is incorrect");
    const adjust = (p.adjust ?? "true") !== "false";
    return {
      meta: { symbol },
      dividends: picked.map((d) => ({
        ex_date: d.ex_date,
        amount: adjust ? Number((d.amount / splitFactorAfter(sym, d.ex_date)).toFixed(5)) : d.amount,
      })),
    };
  }

  function statistics(symbol: string): unknown {
    const cap = opts.symbols[symbol]?.marketCaps?.at(-1);
    if (!opts.symbols[symbol]) return { code: 404, message: `symbol not found: ${symbol}`, status: "error" };
    return { meta: { symbol }, statistics: { valuations_metrics: { market_capitalization: cap?.value ?? null } } };
  }

  function marketCap(symbol: string, p: Record<string, string>): unknown {
    const sym = opts.symbols[symbol];
    if (!sym) return { code: 404, message: `symbol not found: ${symbol}`, status: "error" };
    const size = Number(p.outputsize ?? "10");
    const page = Number(p.page ?? "1");
    const rows = (sym.marketCaps ?? [])
      .filter((c) => (!p.start_date || c.date >= p.start_date) && (!p.end_date || c.date <= p.end_date))
      .sort((a, b) => (a.date < b.date ? 1 : -1))
      .slice((page - 1) * size, page * size);
    return { meta: { symbol }, market_cap: rows };
  }

  const handlers: Record<string, (symbol: string, p: Record<string, string>) => unknown> = {
    "/time_series": timeSeries,
    "/quote": quote,
    "/splits": splits,
    "/dividends": dividends,
    "/statistics": statistics,
    "/market_cap": marketCap,
  };

  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    const params = Object.fromEntries(url.searchParams);
    const headers = new Headers(init?.headers);
    const record = (credits: number, body: unknown) => {
      const err = body as { status?: string; code?: number };
      requests.push({
        path: url.pathname,
        params,
        credits,
        status: err.status === "error" ? "error" : "ok",
        code: err.code,
      });
    };
    const key = headers.get("Authorization")?.replace(/^apikey /, "") ?? params.apikey;
    if (key !== opts.apiKey) {
      record(0, error401);
      return json(error401, 401);
    }
    const endpoint = VENDOR_ENDPOINTS[url.pathname];
    const handler = handlers[url.pathname];
    if (!endpoint || !handler) {
      const body = { code: 404, message: `${url.pathname} not found`, status: "error" };
      record(0, body);
      return json(body, 404);
    }
    if (PLAN_RANK[plan] < PLAN_RANK[endpoint.plan]) {
      record(0, error403);
      return json(error403);
    }
    const symbols = (params.symbol ?? "").split(",").filter(Boolean);
    if (!symbols.length || symbols.length > 120) {
      const body = bad("symbol parameter is incorrect");
      record(0, body);
      return json(body, 400);
    }
    const cost = endpoint.per === "symbol" ? endpoint.credits * symbols.length : endpoint.credits;
    const minute = spent.get(minuteKey()) ?? 0;
    const day = spent.get(dayKey()) ?? 0;
    if (minute + cost > perMinute || day + cost > perDay) {
      const which = minute + cost > perMinute ? "current minute" : "day";
      const body = {
        code: 429,
        message: `API credits for the ${which} are used up: ${which === "day" ? day : minute} used, limit ${which === "day" ? perDay : perMinute}`,
        status: "error",
      };
      record(0, body);
      return json(body, 429);
    }
    spent.set(minuteKey(), minute + cost);
    spent.set(dayKey(), day + cost);
    used.total += cost;
    const body =
      symbols.length === 1
        ? handler(symbols[0] as string, params)
        : Object.fromEntries(symbols.map((s) => [s, handler(s, params)]));
    record(cost, body);
    return json(body, 200, {
      "api-credits-used": String(minute + cost),
      "api-credits-left": String(perMinute - minute - cost),
    });
  }) as typeof globalThis.fetch;

  return {
    fetch,
    requests,
    /** Credits the vendor charged, over the whole run. */
    credits: () => used.total,
    creditsToday: () => spent.get(dayKey()) ?? 0,
  };
}

/** Daily bars for every date in `dates` from a seeded walk; raw prices, as traded. */
export function vendorBars(dates: string[], start = 100, drift = 0.0004): VendorBar[] {
  let close = start;
  return dates.map((date, i) => {
    close = Math.round(close * (1 + drift + 0.01 * Math.sin(i * 1.7)) * 100) / 100;
    return {
      date,
      open: close,
      high: Math.round(close * 101) / 100,
      low: Math.round(close * 99) / 100,
      close,
      volume: 1000 + i,
    };
  });
}
