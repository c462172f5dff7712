// Twelve Data REST client: every response validated, every vendor failure mapped to a classified ProviderError.
import type { z } from "zod";
import { dateWindows, historyWindowDays, type SessionCalendar } from "../domain/calendar";
import type { AbortableProvider, CallOptions } from "./resilience";
import {
  dividendsBody,
  errorBody,
  isNoData,
  marketCapBody,
  splitsBody,
  statisticsBody,
  toBars,
  toQuote,
} from "./twelvedata-responses";
import {
  appendWindow,
  type Bar,
  type Dividend,
  type MarketCap,
  ProviderError,
  type Quote,
  type Split,
  type SymbolResult,
} from "./types";

export interface TwelveDataOptions {
  apiKey: string;
  baseUrl?: string;
  /** Injectable so tests can answer as a fake Twelve Data server. */
  fetch?: typeof fetch;
  /** Symbols per batch call; every symbol costs one credit, and the free plan has 8 a minute. */
  maxSymbolsPerCall?: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;

/** Rows per /market_cap page: each page is one request (5 credits), so pages are as long as the vendor allows. */
export const MARKET_CAP_PAGE_SIZE = 5000;

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** Calendar days per history request of an exchange-traded asset: 6,500 days hold at most ~4,650 weekdays. */
export const HISTORY_WINDOW_DAYS = historyWindowDays("exchange");

export class TwelveDataProvider implements AbortableProvider {
  readonly name = "twelvedata";
  readonly maxSymbolsPerCall: number;
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;

  constructor(opts: TwelveDataOptions) {
    this.apiKey = opts.apiKey;
    this.baseUrl = (opts.baseUrl ?? "https://api.twelvedata.com").replace(/\/+$/, "");
    // Called through a closure: a bare reference to the global fetch throws "Illegal invocation" in workerd.
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.maxSymbolsPerCall = opts.maxSymbolsPerCall ?? 8;
    this.now = opts.now ?? Date.now;
  }

  /** The vendor answers at most 5,000 bars (newest win the cut): windows are sized by how often the asset trades. */
  historyWindowDays(calendar: SessionCalendar): number {
    return historyWindowDays(calendar);
  }

  /**
   * Daily bars for `[start, end]`, unadjusted. The vendor returns at most 5,000 bars per symbol per call, so a
   * longer range (a 20-year backfill is ~5,040 trading days, ~7,300 for a crypto pair) is asked for in windows
   * sized by the asset's calendar and stitched together; a symbol fails if any window failed.
   */
  async dailyBars(
    symbols: string[],
    start: string,
    end: string,
    opts?: CallOptions,
  ): Promise<Map<string, SymbolResult<Bar[]>>> {
    const out = new Map<string, SymbolResult<Bar[]>>();
    for (let i = 0; i < symbols.length; i += this.maxSymbolsPerCall) {
      const part = symbols.slice(i, i + this.maxSymbolsPerCall);
      for (const [from, to] of dateWindows(start, end, historyWindowDays(opts?.calendar ?? "exchange"))) {
        // end_date is sent one day later and filtered here: the vendor treats it as exclusive on some intervals.
        const params = {
          symbol: part.join(","),
          interval: "1day",
          // The vendor's default is `splits`: bars would arrive split-adjusted, and our own factors (applied on
          // read) would adjust them twice, and a re-fetch after a new split would revise every earlier row.
          adjust: "none",
          start_date: from,
          end_date: nextDay(to),
          outputsize: "5000",
          order: "ASC",
        };
        const results = await this.batch(
          part,
          "/time_series",
          params,
          opts?.signal,
          (body) => toBars(body, from, to),
          [],
        );
        appendWindow(out, results);
      }
    }
    return out;
  }

  async quotes(symbols: string[], opts?: CallOptions): Promise<Map<string, SymbolResult<Quote>>> {
    const out = new Map<string, SymbolResult<Quote>>();
    for (let i = 0; i < symbols.length; i += this.maxSymbolsPerCall) {
      const part = symbols.slice(i, i + this.maxSymbolsPerCall);
      const results = await this.batch(part, "/quote", { symbol: part.join(",") }, opts?.signal, toQuote);
      for (const [s, r] of results) out.set(s, r);
    }
    return out;
  }

  async marketCap(symbol: string, opts?: CallOptions): Promise<MarketCap | null> {
    const body = this.parse(
      statisticsBody,
      await this.get("/statistics", { symbol }, opts?.signal),
      `/statistics ${symbol}`,
    );
    const cap = body.statistics.valuations_metrics.market_capitalization;
    // Statistics carry no as-of date; the value is the vendor's current one.
    return cap ? { date: new Date(this.now()).toISOString().slice(0, 10), market_cap: cap } : null;
  }

  /**
   * One page of dated market-cap history in [start, end] (`/market_cap`, Ultra and up, 5 credits per request),
   * which the vendor answers newest first and pages by `page` / `outputsize`; `more` says whether a next page can
   * exist. Pages are fetched one call at a time so the budget charges every request.
   */
  async marketCapPage(
    symbol: string,
    start: string,
    end: string,
    page: number,
    opts?: CallOptions,
  ): Promise<{ caps: MarketCap[]; more: boolean }> {
    const params = {
      symbol,
      start_date: start,
      end_date: end,
      page: String(page),
      outputsize: String(MARKET_CAP_PAGE_SIZE),
    };
    const raw = await this.getOrEmpty("/market_cap", params, opts?.signal);
    if (raw === null) return { caps: [], more: false };
    const rows = this.parse(marketCapBody, raw, `/market_cap ${symbol}`).market_cap;
    const caps = rows
      .filter((r) => r.date >= start && r.date <= end)
      .map((r) => ({ date: r.date, market_cap: r.value }))
      .sort((a, b) => (a.date < b.date ? -1 : 1));
    return { caps, more: rows.length >= MARKET_CAP_PAGE_SIZE };
  }

  /** Every page of `marketCapPage`, ascending (unbudgeted: the resilient provider pages through its caller). */
  async marketCaps(symbol: string, start: string, end: string, opts?: CallOptions): Promise<MarketCap[]> {
    const byDate = new Map<string, MarketCap>();
    for (let page = 1; ; page++) {
      const { caps, more } = await this.marketCapPage(symbol, start, end, page, opts);
      for (const c of caps) byDate.set(c.date, c);
      if (!more || !caps.length) break;
    }
    return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  }

  /**
   * Splits as new shares per old share. The vendor's own example for Apple's 4-for-1 of 2020-08-31 is
   * `from_factor: 4, to_factor: 1, ratio: 0.25`: from / to is the share multiplier and `ratio` its inverse.
   * `range` defaults to `last` (one split), so the whole history is asked for and cut to [start, end] here.
   */
  async splits(symbol: string, start: string, end: string, opts?: CallOptions): Promise<Split[]> {
    const params = { symbol, range: "full", start_date: start, end_date: end };
    const raw = await this.getOrEmpty("/splits", params, opts?.signal);
    if (raw === null) return [];
    const body = this.parse(splitsBody, raw, `/splits ${symbol}`);
    return body.splits
      .map((s) => ({
        date: s.date,
        ratio: s.from_factor && s.to_factor ? s.from_factor / s.to_factor : s.ratio ? 1 / s.ratio : Number.NaN,
      }))
      .filter((s) => Number.isFinite(s.ratio) && s.date >= start && s.date <= end)
      .sort((a, b) => (a.date < b.date ? -1 : 1));
  }

  /**
   * Cash dividends per share as paid. The vendor split-adjusts amounts unless `adjust=false`, and its `range`
   * (default `last`: one dividend) takes precedence over the dates, so the whole history is asked for.
   */
  async dividends(symbol: string, start: string, end: string, opts?: CallOptions): Promise<Dividend[]> {
    const params = { symbol, range: "full", adjust: "false", start_date: start, end_date: end };
    const raw = await this.getOrEmpty("/dividends", params, opts?.signal);
    if (raw === null) return [];
    const body = this.parse(dividendsBody, raw, `/dividends ${symbol}`);
    return body.dividends
      .filter((d) => d.ex_date >= start && d.ex_date <= end)
      .sort((a, b) => (a.ex_date < b.ex_date ? -1 : 1))
      .map((d) => ({ ex_date: d.ex_date, amount: d.amount }));
  }

  /**
   * One request for many symbols. A single symbol answers the bare shape, several answer an object keyed by symbol
   * whose entries can each be an error. When every entry failed with an outage, the whole call throws so the
   * resilience layer retries it.
   */
  private async batch<T>(
    symbols: string[],
    path: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
    convert: (body: unknown, symbol: string) => T,
    onNoData?: T,
  ): Promise<Map<string, SymbolResult<T>>> {
    const out = new Map<string, SymbolResult<T>>();
    const label = `${path} ${symbols.join(",")}`;
    const one = (body: unknown, symbol: string): SymbolResult<T> => {
      const err = this.bodyError(body, undefined, `${path} ${symbol}`);
      if (err)
        return onNoData !== undefined && isNoData(err)
          ? { ok: true, value: onNoData }
          : { ok: false, error: err.message };
      try {
        return { ok: true, value: convert(body, symbol) };
      } catch (e) {
        const why = e instanceof Error ? e.message : "invalid response";
        return { ok: false, error: this.redact(`twelvedata ${path} ${symbol}: ${why}`) };
      }
    };
    let raw: unknown;
    try {
      raw = await this.get(path, params, signal);
    } catch (e) {
      if (onNoData !== undefined && e instanceof ProviderError && isNoData(e)) {
        for (const s of symbols) out.set(s, { ok: true, value: onNoData });
        return out;
      }
      throw e;
    }
    if (symbols.length === 1) {
      const symbol = symbols[0] as string;
      const err = this.bodyError(raw, undefined, label);
      if (err && !(onNoData !== undefined && isNoData(err))) throw err;
      const r = one(raw, symbol);
      if (!r.ok) throw new ProviderError(r.error, "invalid_response");
      out.set(symbol, r);
      return out;
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new ProviderError(`twelvedata ${label}: expected an object keyed by symbol`, "invalid_response");
    }
    const byKey = new Map(Object.entries(raw).map(([k, v]) => [k.toUpperCase(), v]));
    const outages: ProviderError[] = [];
    for (const symbol of symbols) {
      const entry = byKey.get(symbol.toUpperCase());
      if (entry === undefined) {
        out.set(symbol, { ok: false, error: `twelvedata ${path} ${symbol}: missing from the batch answer` });
        continue;
      }
      const err = this.bodyError(entry, undefined, `${path} ${symbol}`);
      if (err?.retryable) outages.push(err);
      out.set(symbol, one(entry, symbol));
    }
    if (outages.length === symbols.length) throw outages[0] as ProviderError;
    return out;
  }

  /** Like `get`, but a "no data" answer is null. */
  private async getOrEmpty(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    try {
      return await this.get(path, params, signal);
    } catch (e) {
      if (e instanceof ProviderError && isNoData(e)) return null;
      throw e;
    }
  }

  private async get(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    // Labels carry path and symbols only: the key travels in a header and so never sits in a URL we might print.
    const label = `${path} ${params.symbol ?? ""}`.trim();
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url.toString(), {
        headers: { Authorization: `apikey ${this.apiKey}`, Accept: "application/json" },
        signal,
      });
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) {
        throw signal.reason instanceof ProviderError
          ? signal.reason
          : new ProviderError(`twelvedata ${label}: aborted`, "timeout");
      }
      throw new ProviderError(`twelvedata ${label}: network error: ${this.redact(String(e))}`, "network");
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // An HTML error page or a cut-off body: classify by status when it has one worth trusting.
      if (res.status === 429 || res.status >= 400)
        throw this.classify(res.status, `HTTP ${res.status} (not JSON)`, res, label);
      throw new ProviderError(`twelvedata ${label}: response is not valid JSON`, "invalid_response", res.status);
    }
    const err = this.bodyError(body, res, label);
    if (err) throw err;
    if (!res.ok) throw this.classify(res.status, `HTTP ${res.status}`, res, label);
    return body;
  }

  /** The vendor's `{code, message, status: "error"}`, which may come with HTTP 200. */
  private bodyError(body: unknown, res: Response | undefined, label: string): ProviderError | undefined {
    const parsed = errorBody.safeParse(body);
    if (!parsed.success) return undefined;
    return this.classify(parsed.data.code, parsed.data.message, res, label);
  }

  private classify(code: number, message: string, res: Response | undefined, label: string): ProviderError {
    const text = `twelvedata ${label}: ${code} ${this.redact(message).slice(0, 300)}`;
    if (code === 429) return new ProviderError(text, "rate_limited", code, this.retryAfter(res, message));
    if (code >= 500) return new ProviderError(text, "server", code);
    return new ProviderError(text, "client", code);
  }

  /** Retry-After (seconds or HTTP date); else the next minute when the per-minute credits ran out. */
  private retryAfter(res: Response | undefined, message: string): number | undefined {
    const header = res?.headers.get("Retry-After");
    if (header) {
      const seconds = Number(header);
      if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
      const at = Date.parse(header);
      if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - this.now()) / 1000));
    }
    if (/minute/i.test(message)) return Math.max(1, 60 - Math.floor((this.now() % 60_000) / 1000));
    return undefined;
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown, label: string): z.output<S> {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join(".") || "body";
      throw new ProviderError(
        `twelvedata ${label}: unexpected response at ${where}: ${issue?.message}`,
        "invalid_response",
      );
    }
    return parsed.data;
  }

  private redact(text: string): string {
    const out = text.replace(/apikey=[^&\s"']+/gi, "apikey=[redacted]");
    return this.apiKey ? out.split(this.apiKey).join("[redacted]") : out;
  }
}
