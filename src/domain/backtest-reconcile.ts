// Checks a backtest's books: replays its cash flows and trades and revalues the holdings to the cent.
import {
  type BacktestInput,
  type BacktestResult,
  type CashFlowEntry,
  matrixOf,
  scheduledSymbols,
  type Trade,
  unitsPerShare,
} from "./backtest";
import { notionalMinor, toMinor } from "./money";

export interface Reconciliation {
  ok: boolean;
  /** Lowest cash balance seen while replaying, minor units. */
  min_cash_minor: number;
  mismatches: { date: string; curve_minor: number; replayed_minor: number }[];
}

/**
 * Replays the cash flows and the trade log from the initial capital and revalues the holdings at each day's
 * close: every point of the equity curve must match to the cent, and cash must never dip below zero.
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
  let flow = 0;
  const mismatches: Reconciliation["mismatches"] = [];
  for (const point of result.equity_curve) {
    while (flow < result.cash_flows.length && (result.cash_flows[flow] as CashFlowEntry).date === point.date)
      cash += toMinor((result.cash_flows[flow++] as CashFlowEntry).amount);
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
  if (next !== result.trades.length || flow !== result.cash_flows.length)
    mismatches.push({ date: "(trades or flows left over)", curve_minor: 0, replayed_minor: 0 });
  return { ok: mismatches.length === 0 && minCash >= 0, min_cash_minor: minCash, mismatches };
}
