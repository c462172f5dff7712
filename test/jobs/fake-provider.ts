// A deterministic in-memory MarketDataProvider for pipeline tests: scripted series, refusals and injected faults.
import { tradingDays } from "../../src/domain/calendar";
import type { AbortableProvider, CallOptions } from "../../src/providers/resilience";
import { mulberry32 } from "../../src/providers/synthetic";
import {
  type Bar,
  type Dividend,
  type MarketCap,
  ProviderError,
  type Quote,
  type Split,
  type SymbolResult,
} from "../../src/providers/types";

export interface FakeSeries {
  bars: Bar[];
  splits?: Split[];
  dividends?: Dividend[];
  marketCap?: MarketCap;
}

export type FaultKind = "timeout" | "rate_limited" | "server" | "truncated" | "invalid" | "throw";
export const FAULT_KINDS: FaultKind[] = ["timeout", "rate_limited", "server", "truncated", "invalid", "throw"];

export interface FakeOptions {
  maxSymbolsPerCall?: number;
  /** Share of calls that fail (0..1), decided by a seeded generator so every run is the same. */
  faultRate?: number;
  seed?: number;
  /** Symbols the vendor refuses (a per-symbol error inside an answered call). */
  refuse?: Set<string>;
}

/** Clean, valid bars on every trading day of [start, end]; `shift` makes series differ. */
export function makeSeries(start: string, end: string, shift = 0): Bar[] {
  return tradingDays(start, end).map((date, i) => {
    const close = Math.round(100 * (1 + 0.001 * i + 0.02 * Math.sin(i / 3 + shift)) * 100) / 100;
    const open = Math.round(close * (1 + 0.004 * Math.cos(i + shift)) * 100) / 100;
    return {
      date,
      open,
      high: Math.round(Math.max(open, close) * 101) / 100,
      low: Math.round(Math.min(open, close) * 99) / 100,
      close,
      volume: 1_000_000 + i * 10 + shift,
    };
  });
}

export class FakeProvider implements AbortableProvider {
  readonly name = "fake";
  readonly maxSymbolsPerCall: number;
  readonly calls: Array<{ method: string; symbols: string[]; start?: string; end?: string; fault?: FaultKind }> = [];
  private readonly random: () => number;

  constructor(
    readonly data: Map<string, FakeSeries>,
    readonly opts: FakeOptions = {},
  ) {
    this.maxSymbolsPerCall = opts.maxSymbolsPerCall ?? 5;
    this.random = mulberry32(opts.seed ?? 1);
  }

  get faults(): number {
    return this.calls.filter((c) => c.fault).length;
  }

  /** Decides this call's fault; `batch` calls may also be cut short (symbols missing from the answer). */
  private async fault(
    method: string,
    symbols: string[],
    signal: AbortSignal | undefined,
    range: { start?: string; end?: string },
  ) {
    const roll = this.random();
    const kind =
      roll < (this.opts.faultRate ?? 0) ? FAULT_KINDS[Math.floor(this.random() * FAULT_KINDS.length)] : undefined;
    this.calls.push({ method, symbols, ...range, fault: kind });
    switch (kind) {
      case "timeout":
        // Hang until the resilience layer's timeout aborts the call (or fail at once without one).
        if (!signal) throw new ProviderError("fake: timed out", "timeout");
        await new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new ProviderError("fake: timed out", "timeout"))),
        );
        return undefined;
      case "rate_limited":
        throw new ProviderError("fake: 429 Too Many Requests", "rate_limited", 429, 0);
      case "server":
        throw new ProviderError("fake: 503 Service Unavailable", "server", 503);
      case "invalid":
        throw new ProviderError("fake: response is not valid JSON", "invalid_response", 200);
      case "throw":
        throw new TypeError("fake: Cannot read properties of undefined (reading 'values')");
      default:
        return kind;
    }
  }

  async dailyBars(
    symbols: string[],
    start: string,
    end: string,
    o?: CallOptions,
  ): Promise<Map<string, SymbolResult<Bar[]>>> {
    const truncated = (await this.fault("dailyBars", symbols, o?.signal, { start, end })) === "truncated";
    const out = new Map<string, SymbolResult<Bar[]>>();
    // A cut-off batch answer: the later symbols never arrived.
    const answered = truncated && symbols.length > 1 ? symbols.slice(0, Math.floor(symbols.length / 2)) : symbols;
    if (truncated && symbols.length === 1) throw new ProviderError("fake: truncated body", "invalid_response", 200);
    for (const s of answered) {
      const series = this.data.get(s);
      if (!series || this.opts.refuse?.has(s)) out.set(s, { ok: false, error: `fake: ${s} is not a known symbol` });
      else
        out.set(s, {
          ok: true,
          value: series.bars.filter((b) => b.date >= start && b.date <= end).map((b) => ({ ...b })),
        });
    }
    return out;
  }

  async quotes(symbols: string[], o?: CallOptions): Promise<Map<string, SymbolResult<Quote>>> {
    if ((await this.fault("quotes", symbols, o?.signal, {})) === "truncated")
      throw new ProviderError("fake: truncated", "invalid_response");
    const out = new Map<string, SymbolResult<Quote>>();
    for (const s of symbols) {
      const bars = this.data.get(s)?.bars;
      const last = bars?.[bars.length - 1];
      const prev = bars?.[bars.length - 2];
      if (!last || !prev || this.opts.refuse?.has(s)) out.set(s, { ok: false, error: `fake: no quote for ${s}` });
      else
        out.set(s, {
          ok: true,
          value: { symbol: s, price: last.close, previous_close: prev.close, ts: `${last.date}T20:00:00.000Z` },
        });
    }
    return out;
  }

  async marketCap(symbol: string, o?: CallOptions): Promise<MarketCap | null> {
    if ((await this.fault("marketCap", [symbol], o?.signal, {})) === "truncated")
      throw new ProviderError("fake: truncated", "invalid_response");
    return this.data.get(symbol)?.marketCap ?? null;
  }

  async splits(symbol: string, start: string, end: string, o?: CallOptions): Promise<Split[]> {
    if ((await this.fault("splits", [symbol], o?.signal, { start, end })) === "truncated")
      throw new ProviderError("fake: truncated", "invalid_response");
    return (this.data.get(symbol)?.splits ?? []).filter((x) => x.date >= start && x.date <= end);
  }

  async dividends(symbol: string, start: string, end: string, o?: CallOptions): Promise<Dividend[]> {
    if ((await this.fault("dividends", [symbol], o?.signal, { start, end })) === "truncated")
      throw new ProviderError("fake: truncated", "invalid_response");
    return (this.data.get(symbol)?.dividends ?? []).filter((x) => x.ex_date >= start && x.ex_date <= end);
  }
}
