// Simulates holding an index's allocation schedule with real cash: whole or fractional shares, fees, slippage.
import { bpsOfMinor, fromMinor, notionalMinor, toMinor } from "./money";
import { failure, type Outcome, success } from "./outcome";
import { buildPriceMatrix, type PriceHistory, type PriceMatrix } from "./price-matrix";

export interface ScheduledAllocation {
  rebalance_date: string;
  /** Target weights (≥ 0, summing to at most 1; the rest stays in cash). */
  weights: Readonly<Record<string, number>>;
}

export interface BacktestInput {
  /**
   * Adjusted daily closes per symbol, ascending (earlier history lets a close carry into `start`), or the
   * matrix `buildPriceMatrix` would make of them over [start, end] with `scheduledSymbols(schedule)` as its
   * columns (read page by page, so a long history never lives as objects).
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

export interface BacktestResult {
  equity_curve: EquityPoint[];
  trades: Trade[];
  final_cash: number;
  positions: Record<string, number>;
  fees_paid: number;
}

export type BacktestProblem = "invalid_capital" | "invalid_costs" | "invalid_range" | "invalid_weights" | "no_prices";

/** Shares are counted in integer units of 10^-decimals so positions add up without float dust. */
const unitsPerShare = (input: Pick<BacktestInput, "fractional" | "qtyDecimals">): number =>
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
function matrixOf(input: BacktestInput, symbols: readonly string[]): PriceMatrix {
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

/**
 * Runs the simulation. On a rebalance day: sells first (to raise cash), then buys toward each target
 * value at that day's close; if the buys with their fees cost more than the cash, every buy is scaled
 * down by the same factor (then trimmed unit by unit), so cash never goes negative.
 * Equity each day = cash + Σ round(qty × close) in minor units, which `reconcileBacktest` recomputes.
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
  const held = new Float64Array(n); // integer share units
  let cash = toMinor(input.initialCapital);
  let fees = 0;
  const trades: Trade[] = [];
  const curve: EquityPoint[] = [];
  const rebalances = tradingDays(matrix, input.schedule);

  for (let t = 0; t < matrix.dates.length; t++) {
    const date = matrix.dates[t] as string;
    const close = (s: number) => matrix.closes[t * n + s] as number;
    const marketValue = () => {
      let v = 0;
      for (let s = 0; s < n; s++) if (held[s]) v += notionalMinor((held[s] as number) / perShare, close(s));
      return v;
    };
    const target = rebalances.get(t);
    if (target) {
      const equity = cash + marketValue();
      const wanted = new Float64Array(n);
      for (let s = 0; s < n; s++) {
        const w = target.weights[symbols[s] as string] ?? 0;
        const c = close(s);
        // a symbol with no price yet cannot be bought: its weight waits in cash
        wanted[s] = Number.isNaN(c) ? (held[s] as number) : Math.floor(((w * fromMinor(equity)) / c) * perShare + 1e-9);
      }
      for (let s = 0; s < n; s++) {
        const units = (held[s] as number) - (wanted[s] as number);
        if (units <= 0) continue;
        const price = executionPrice(close(s), "sell", slip);
        const notional = notionalMinor(units / perShare, price);
        const fee = bpsOfMinor(notional, feeBps);
        cash += notional - fee;
        fees += fee;
        held[s] = wanted[s] as number;
        trades.push({ date, symbol: symbols[s] as string, qty: -units / perShare, price, fee: fromMinor(fee) });
      }
      const buys: { s: number; units: number; price: number }[] = [];
      let total = 0;
      for (let s = 0; s < n; s++) {
        const units = (wanted[s] as number) - (held[s] as number);
        if (units <= 0) continue;
        const price = executionPrice(close(s), "buy", slip);
        buys.push({ s, units, price });
        total += buyCost(units, perShare, price, feeBps);
      }
      const scale = total > cash ? cash / total : 1;
      for (const b of buys) {
        let units = Math.floor(b.units * scale);
        while (units > 0 && buyCost(units, perShare, b.price, feeBps) > cash) units--;
        if (units <= 0) continue;
        const notional = notionalMinor(units / perShare, b.price);
        const fee = bpsOfMinor(notional, feeBps);
        cash -= notional + fee;
        fees += fee;
        held[b.s] = (held[b.s] as number) + units;
        trades.push({
          date,
          symbol: symbols[b.s] as string,
          qty: units / perShare,
          price: b.price,
          fee: fromMinor(fee),
        });
      }
    }
    curve.push({ date, value: fromMinor(cash + marketValue()) });
  }
  const positions: Record<string, number> = {};
  for (let s = 0; s < n; s++) if (held[s]) positions[symbols[s] as string] = (held[s] as number) / perShare;
  return success({ equity_curve: curve, trades, final_cash: fromMinor(cash), positions, fees_paid: fromMinor(fees) });
}

export interface Reconciliation {
  ok: boolean;
  /** Lowest cash balance seen while replaying, minor units. */
  min_cash_minor: number;
  mismatches: { date: string; curve_minor: number; replayed_minor: number }[];
}

/**
 * Replays the trade log from the initial capital and revalues the holdings at each day's close: every
 * point of the equity curve must match to the cent, and cash must never dip below zero.
 */
export function reconcileBacktest(input: BacktestInput, result: BacktestResult): Reconciliation {
  const perShare = unitsPerShare(input);
  const symbols = scheduledSymbols(input.schedule);
  const matrix = matrixOf(input, symbols);
  const dayOf = new Map(matrix.dates.map((d, i) => [d, i]));
  const held = new Map<string, number>();
  let cash = toMinor(input.initialCapital);
  let minCash = cash;
  let next = 0;
  const mismatches: Reconciliation["mismatches"] = [];
  for (const point of result.equity_curve) {
    while (next < result.trades.length && (result.trades[next] as Trade).date === point.date) {
      const trade = result.trades[next++] as Trade;
      const units = Math.round(trade.qty * perShare);
      const notional = notionalMinor(Math.abs(units) / perShare, trade.price);
      const fee = toMinor(trade.fee);
      cash += units > 0 ? -(notional + fee) : notional - fee;
      minCash = Math.min(minCash, cash);
      held.set(trade.symbol, (held.get(trade.symbol) ?? 0) + units);
    }
    const t = dayOf.get(point.date);
    let value = cash;
    for (const [symbol, units] of held) {
      if (units === 0) continue;
      const close =
        t === undefined ? Number.NaN : (matrix.closes[t * symbols.length + symbols.indexOf(symbol)] as number);
      value += notionalMinor(units / perShare, close);
    }
    const curveMinor = toMinor(point.value);
    if (curveMinor !== value) mismatches.push({ date: point.date, curve_minor: curveMinor, replayed_minor: value });
  }
  if (next !== result.trades.length) mismatches.push({ date: "(trades left over)", curve_minor: 0, replayed_minor: 0 });
  return { ok: mismatches.length === 0 && minCash >= 0, min_cash_minor: minCash, mismatches };
}
