// Simulates holding an index's allocation schedule with real cash: whole or fractional shares, fees, slippage
// (flat or volume-aware), cash dividends (kept, reinvested or ignored) and dated contributions.
import { bpsOfMinor, fromMinor, notionalMinor, toMinor } from "./money";
import { failure, type Outcome, success } from "./outcome";
import { buildPriceMatrix, type PriceHistory, type PriceMatrix } from "./price-matrix";
import { firstNotBelow } from "./sorted-search";

export interface ScheduledAllocation {
  rebalance_date: string;
  /** Target weights (≥ 0, summing to at most 1; the rest stays in cash). */
  weights: Readonly<Record<string, number>>;
}

export type DividendPolicy = "cash" | "reinvest" | "ignore";
export type SlippageModel = "bps" | "volume_participation";

/** A day's volume-participation limits: zipline's `VolumeShareSlippage` defaults. */
export const DEFAULT_PARTICIPATION = { maxShare: 0.025, impact: 0.1 } as const;

export interface BacktestInput {
  /**
   * Daily closes per symbol, ascending (earlier history lets a close carry into `start`), or the matrix
   * `buildPriceMatrix` would make of them over [start, end] with `scheduledSymbols(schedule)` as its columns
   * (read page by page, so a long history never lives as objects). With `dividends` these are split-adjusted
   * closes (a dividend-adjusted close would count the dividend twice).
   */
  prices: PriceHistory | PriceMatrix;
  /** The index's allocations in date order; the one in force on `start` is bought on the first session. */
  schedule: readonly ScheduledAllocation[];
  start: string;
  end: string;
  /** Major units (e.g. dollars). */
  initialCapital: number;
  feeBps?: number;
  slippageBps?: number;
  /** Fractional shares (to `qtyDecimals` places) or whole shares only. */
  fractional: boolean;
  /** Decimal places of fractional quantities; 6 unless configured. */
  qtyDecimals?: number;
  /** Cash per share on the closes' scale, by ex-date. */
  dividends?: Readonly<Record<string, readonly { ex_date: string; amount: number }[]>>;
  /** What a dividend does: credited to cash (default), spent on the same symbol at the ex-date's close, or dropped. */
  dividendPolicy?: DividendPolicy;
  /** Money paid in at the start of the first session on/after each date (major units, > 0). */
  contributions?: readonly { date: string; amount: number }[];
  /** Shares traded per day on the closes' scale: per symbol, or day-major aligned with the matrix (0: no print). */
  volumes?: Readonly<Record<string, readonly { date: string; volume: number }[]>> | Float64Array;
  slippageModel?: SlippageModel;
  /** volume_participation: a fill takes at most `maxShare` of the day's volume; impact = `impact` × share². */
  participation?: { maxShare: number; impact: number };
}

export interface Trade {
  date: string;
  symbol: string;
  /** Positive for a buy, negative for a sell. */
  qty: number;
  /** Execution price: the close moved against the trader by the slippage. */
  price: number;
  /** Major units; charged on top of a buy's notional and out of a sell's proceeds. */
  fee: number;
}

export interface EquityPoint {
  date: string;
  value: number;
}

/** Cash that moved without a trade: a dividend received (reinvested ones too) or a contribution paid in. */
export interface CashFlowEntry {
  date: string;
  kind: "dividend" | "contribution";
  symbol: string | null;
  amount: number;
}

export interface BacktestResult {
  equity_curve: EquityPoint[];
  trades: Trade[];
  /** In date order; on a day, flows land before that day's trades. */
  cash_flows: CashFlowEntry[];
  final_cash: number;
  positions: Record<string, number>;
  fees_paid: number;
}

export type BacktestProblem =
  | "invalid_capital"
  | "invalid_costs"
  | "invalid_range"
  | "invalid_weights"
  | "invalid_flows"
  | "no_prices";

/** Shares are counted in integer units of 10^-decimals so positions add up without float dust. */
export const unitsPerShare = (input: Pick<BacktestInput, "fractional" | "qtyDecimals">): number =>
  input.fractional ? 10 ** (input.qtyDecimals ?? 6) : 1;

/** Execution price for a side: buyers pay up, sellers receive less, by `slippageBps`. */
export function executionPrice(close: number, side: "buy" | "sell", slippageBps: number): number {
  return close * (1 + ((side === "buy" ? 1 : -1) * slippageBps) / 10_000);
}

/** Cash cost (minor) of buying `units`: notional plus fee. */
const buyCost = (units: number, perShare: number, price: number, feeBps: number): number => {
  const notional = notionalMinor(units / perShare, price);
  return notional + bpsOfMinor(notional, feeBps);
};

function validate(input: BacktestInput): { reason: BacktestProblem; detail: string } | null {
  if (!(Number.isFinite(input.initialCapital) && toMinor(input.initialCapital) > 0)) {
    return { reason: "invalid_capital", detail: "initial_capital must be a positive amount" };
  }
  for (const [name, v] of [
    ["fee_bps", input.feeBps ?? 0],
    ["slippage_bps", input.slippageBps ?? 0],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0 && v < 10_000))
      return { reason: "invalid_costs", detail: `${name} must be in [0, 10000)` };
  }
  const d = input.qtyDecimals ?? 6;
  if (!(Number.isInteger(d) && d >= 0 && d <= 9))
    return { reason: "invalid_costs", detail: "qty decimals must be 0–9" };
  if (input.start > input.end) return { reason: "invalid_range", detail: "start is after end" };
  const p = input.participation ?? DEFAULT_PARTICIPATION;
  if (!(p.maxShare > 0 && p.maxShare <= 1 && Number.isFinite(p.impact) && p.impact >= 0))
    return { reason: "invalid_costs", detail: "participation needs 0 < max share ≤ 1 and impact ≥ 0" };
  for (const c of input.contributions ?? []) {
    if (!(Number.isFinite(c.amount) && toMinor(c.amount) > 0))
      return { reason: "invalid_flows", detail: `contribution on ${c.date} must be a positive amount` };
  }
  for (const [symbol, list] of Object.entries(input.dividends ?? {})) {
    for (const d of list)
      if (!(Number.isFinite(d.amount) && d.amount >= 0))
        return { reason: "invalid_flows", detail: `dividend of ${symbol} on ${d.ex_date} must be ≥ 0` };
  }
  for (const a of input.schedule) {
    let sum = 0;
    for (const w of Object.values(a.weights)) {
      if (!(Number.isFinite(w) && w >= 0))
        return { reason: "invalid_weights", detail: `bad weight on ${a.rebalance_date}` };
      sum += w;
    }
    if (sum > 1 + 1e-9) return { reason: "invalid_weights", detail: `weights on ${a.rebalance_date} sum above 1` };
  }
  return null;
}

/** The backtest's columns, in the order trades are made: every symbol any allocation weights. */
export const scheduledSymbols = (schedule: readonly ScheduledAllocation[]): string[] => [
  ...new Set(schedule.flatMap((a) => Object.keys(a.weights))),
];

const isMatrix = (p: PriceHistory | PriceMatrix): p is PriceMatrix => p.closes instanceof Float64Array;

/** The aligned closes: built from the history, or the given matrix once its columns are checked. */
export function matrixOf(input: BacktestInput, symbols: readonly string[]): PriceMatrix {
  if (!isMatrix(input.prices)) return buildPriceMatrix(input.prices, symbols, { start: input.start, end: input.end });
  const m = input.prices;
  if (m.symbols.length !== symbols.length || m.symbols.some((s, i) => s !== symbols[i]))
    throw new RangeError("the price matrix's columns must be the scheduled symbols in schedule order");
  return m;
}

/** Day index → weights to trade to, using the first session on/after each rebalance date (latest wins). */
function tradingDays(matrix: PriceMatrix, schedule: readonly ScheduledAllocation[]): Map<number, ScheduledAllocation> {
  const out = new Map<number, ScheduledAllocation>();
  let day = 0;
  for (const a of schedule) {
    if (a.rebalance_date <= (matrix.dates[0] as string)) {
      out.set(0, a);
      continue;
    }
    while (day < matrix.dates.length && (matrix.dates[day] as string) < a.rebalance_date) day++;
    if (day < matrix.dates.length) out.set(day, a);
  }
  return out;
}

/** Index of the first session on/after `date` (dates ascending); `dates.length` when none. */
function sessionOnOrAfter(dates: readonly string[], date: string): number {
  return firstNotBelow(dates, date);
}

/** Volumes day-major on the matrix's calendar: given so, or placed from per-symbol series (0 on days without one). */
function alignedVolumes(input: BacktestInput, matrix: PriceMatrix): Float64Array | null {
  const v = input.volumes;
  if (v === undefined) return null;
  if (v instanceof Float64Array) {
    if (v.length !== matrix.closes.length) throw new RangeError("volumes must align with the price matrix");
    return v;
  }
  const n = matrix.symbols.length;
  const out = new Float64Array(matrix.closes.length);
  matrix.symbols.forEach((symbol, s) => {
    for (const p of v[symbol] ?? []) {
      const t = sessionOnOrAfter(matrix.dates, p.date);
      if (matrix.dates[t] === p.date) out[t * n + s] = p.volume;
    }
  });
  return out;
}

/** Day index → money paid in (minor), each contribution on the first session on/after its date (one exists: checked). */
function contributionDays(input: BacktestInput, dates: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of input.contributions ?? []) {
    const t = sessionOnOrAfter(dates, c.date);
    if (t < dates.length) out.set(t, (out.get(t) ?? 0) + toMinor(c.amount));
  }
  return out;
}

/** Day index → dividends going ex that session (per share); ex-dates before the first session paid no holder here. */
function dividendDays(input: BacktestInput, matrix: PriceMatrix): Map<number, { s: number; amount: number }[]> {
  const out = new Map<number, { s: number; amount: number }[]>();
  if ((input.dividendPolicy ?? "cash") === "ignore") return out;
  matrix.symbols.forEach((symbol, s) => {
    for (const d of input.dividends?.[symbol] ?? []) {
      if (d.ex_date < (matrix.dates[0] as string) || d.amount === 0) continue;
      const t = sessionOnOrAfter(matrix.dates, d.ex_date);
      if (t >= matrix.dates.length) continue;
      const list = out.get(t) ?? [];
      list.push({ s, amount: d.amount });
      out.set(t, list);
    }
  });
  return out;
}

/**
 * Runs the simulation. Each session: contributions arrive, then dividends of the shares held at the previous
 * close are credited (a reinvested one is a buy order for the same symbol). On a rebalance day the target is
 * the allocation's weights of the whole equity; on another day a contribution is spent by the allocation in
 * force. Orders fill at the day's close, sells first (to raise cash); if the buys with their fees cost more
 * than the cash, every buy is scaled down by the same factor (then trimmed unit by unit), so cash never goes
 * negative. With `volume_participation` a fill takes at most `maxShare` of the day's volume (nothing on a day
 * without a print) and the rest waits for the next session; the price moves against the trader by the flat
 * bps plus `impact` × share². A shortfall of cash is not carried: that part of the order lapses, as it does
 * under the flat model. Equity each day = cash + Σ round(qty × close) in minor units, which
 * `reconcileBacktest` recomputes.
 */
export function runBacktest(input: BacktestInput): Outcome<BacktestResult, BacktestProblem> {
  const problem = validate(input);
  if (problem) return failure(problem.reason, problem.detail);
  const symbols = scheduledSymbols(input.schedule);
  const matrix = matrixOf(input, symbols);
  if (matrix.dates.length === 0) return failure("no_prices", `no prices between ${input.start} and ${input.end}`);
  const feeBps = input.feeBps ?? 0;
  const slip = input.slippageBps ?? 0;
  const perShare = unitsPerShare(input);
  const n = symbols.length;
  const byVolume = input.slippageModel === "volume_participation";
  const { maxShare, impact } = input.participation ?? DEFAULT_PARTICIPATION;
  const volumes = byVolume ? (alignedVolumes(input, matrix) ?? new Float64Array(matrix.closes.length)) : null;
  const reinvest = input.dividendPolicy === "reinvest";
  const held = new Float64Array(n); // integer share units
  const goal = new Float64Array(n); // units the open orders trade toward
  const capped = new Uint8Array(n); // today's order on this symbol was cut by the volume cap
  let open = false;
  let cash = toMinor(input.initialCapital);
  let fees = 0;
  const trades: Trade[] = [];
  const flows: CashFlowEntry[] = [];
  const curve: EquityPoint[] = [];
  const rebalances = tradingDays(matrix, input.schedule);
  const paidIn = contributionDays(input, matrix.dates);
  const unpaid = (input.contributions ?? []).find((c) => sessionOnOrAfter(matrix.dates, c.date) >= matrix.dates.length);
  if (unpaid)
    return failure(
      "invalid_flows",
      `contribution on ${unpaid.date} has no session on or after it to be paid in (the last is ${matrix.dates[matrix.dates.length - 1]})`,
    );
  const exDays = dividendDays(input, matrix);
  let inForce: ScheduledAllocation | undefined;

  for (let t = 0; t < matrix.dates.length; t++) {
    const date = matrix.dates[t] as string;
    const close = (s: number) => matrix.closes[t * n + s] as number;
    const marketValue = () => {
      let v = 0;
      for (let s = 0; s < n; s++) if (held[s]) v += notionalMinor((held[s] as number) / perShare, close(s));
      return v;
    };
    /** Units a fill of this symbol may take today (Infinity under the flat model). */
    const cap = (s: number) =>
      volumes ? Math.floor(maxShare * (volumes[t * n + s] as number) * perShare + 1e-9) : Number.POSITIVE_INFINITY;
    /** The part of a wanted trade of `units` (≤ 0: none) the day's cap lets through, marking symbols it cut. */
    const allowed = (s: number, units: number) => {
      if (units <= 0) return 0;
      if (units > cap(s)) {
        capped[s] = 1;
        return cap(s);
      }
      return units;
    };
    const price = (s: number, side: "buy" | "sell", units: number) => {
      if (!volumes) return executionPrice(close(s), side, slip);
      const share = units / perShare / (volumes[t * n + s] as number);
      return close(s) * (1 + (side === "buy" ? 1 : -1) * (slip / 10_000 + impact * share * share));
    };
    /** Adds a buy of `minor` worth of symbol s at today's close to the open orders. */
    const spend = (s: number, minor: number) => {
      const c = close(s);
      if (Number.isNaN(c) || minor <= 0) return;
      goal[s] = (goal[s] as number) + Math.floor((fromMinor(minor) / c) * perShare + 1e-9);
      open = true;
    };

    const contribution = paidIn.get(t);
    if (contribution) {
      cash += contribution;
      flows.push({ date, kind: "contribution", symbol: null, amount: fromMinor(contribution) });
    }
    const income: { s: number; minor: number }[] = [];
    for (const d of exDays.get(t) ?? []) {
      if (!held[d.s]) continue;
      const minor = notionalMinor((held[d.s] as number) / perShare, d.amount);
      if (minor === 0) continue;
      cash += minor;
      flows.push({ date, kind: "dividend", symbol: symbols[d.s] as string, amount: fromMinor(minor) });
      income.push({ s: d.s, minor });
    }

    const target = rebalances.get(t);
    if (target) {
      inForce = target;
      const equity = cash + marketValue();
      for (let s = 0; s < n; s++) {
        const w = target.weights[symbols[s] as string] ?? 0;
        const c = close(s);
        // a symbol with no price yet cannot be bought: its weight waits in cash
        goal[s] = Number.isNaN(c) ? (held[s] as number) : Math.floor(((w * fromMinor(equity)) / c) * perShare + 1e-9);
      }
      open = true;
    } else {
      if (contribution && inForce) {
        for (let s = 0; s < n; s++) spend(s, Math.floor((inForce.weights[symbols[s] as string] ?? 0) * contribution));
      }
      if (reinvest) for (const r of income) spend(r.s, r.minor);
    }

    if (open) {
      capped.fill(0);
      for (let s = 0; s < n; s++) {
        const units = allowed(s, (held[s] as number) - (goal[s] as number));
        if (units <= 0) continue;
        const px = price(s, "sell", units);
        const notional = notionalMinor(units / perShare, px);
        const fee = bpsOfMinor(notional, feeBps);
        cash += notional - fee;
        fees += fee;
        held[s] = (held[s] as number) - units;
        trades.push({ date, symbol: symbols[s] as string, qty: -units / perShare, price: px, fee: fromMinor(fee) });
      }
      const buys: { s: number; units: number }[] = [];
      let total = 0;
      for (let s = 0; s < n; s++) {
        const units = allowed(s, (goal[s] as number) - (held[s] as number));
        if (units <= 0) continue;
        buys.push({ s, units });
        total += buyCost(units, perShare, price(s, "buy", units), feeBps);
      }
      const scale = total > cash ? cash / total : 1;
      for (const b of buys) {
        let units = Math.floor(b.units * scale);
        while (units > 0 && buyCost(units, perShare, price(b.s, "buy", units), feeBps) > cash) units--;
        if (units <= 0) continue;
        const px = price(b.s, "buy", units);
        const notional = notionalMinor(units / perShare, px);
        const fee = bpsOfMinor(notional, feeBps);
        cash -= notional + fee;
        fees += fee;
        held[b.s] = (held[b.s] as number) + units;
        trades.push({ date, symbol: symbols[b.s] as string, qty: units / perShare, price: px, fee: fromMinor(fee) });
      }
      // Only what the volume cap held back waits for the next session.
      open = false;
      for (let s = 0; s < n; s++) {
        if (held[s] === goal[s]) continue;
        if (capped[s]) open = true;
        else goal[s] = held[s] as number;
      }
    }
    curve.push({ date, value: fromMinor(cash + marketValue()) });
  }
  const positions: Record<string, number> = {};
  for (let s = 0; s < n; s++) if (held[s]) positions[symbols[s] as string] = (held[s] as number) / perShare;
  return success({
    equity_curve: curve,
    trades,
    cash_flows: flows,
    final_cash: fromMinor(cash),
    positions,
    fees_paid: fromMinor(fees),
  });
}
