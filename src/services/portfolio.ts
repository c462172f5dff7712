// The paper account marked to market: cash from the ledger, positions at their latest quotes, realized P&L.
import type { Config } from "../config";
import { readHoldings } from "../db/trading";
import { fromMinor } from "../domain/money";
import { averageCost, markToMarket } from "../domain/orders";
import { ensureAccount } from "./paper-trading";

export async function portfolioOf(env: Env, cfg: Config, userId: string) {
  await ensureAccount(env, cfg, userId);
  const scale = 10 ** cfg.BASE_CURRENCY_MINOR_UNITS;
  const { cashMinor, positions } = await readHoldings(env.DB, userId);
  let marketMinor = 0;
  let realizedMinor = 0;
  const open = [];
  for (const r of positions) {
    realizedMinor += r.realized_pnl_minor;
    if (r.qty <= 0) continue;
    const position = { qty: r.qty, costBasisMinor: r.cost_minor, realizedPnlMinor: r.realized_pnl_minor };
    // With no quote the position is carried at cost, so equity never jumps to zero for lack of a price.
    const mark =
      r.price === null ? { marketValueMinor: r.cost_minor, unrealizedPnlMinor: 0 } : markToMarket(position, r.price);
    marketMinor += mark.marketValueMinor;
    open.push({
      symbol: r.symbol,
      qty: r.qty,
      avg_cost: Math.round((averageCost(position) ?? 0) * 1e6) / 1e6,
      last_price: r.price,
      market_value: fromMinor(mark.marketValueMinor, scale),
      unrealized_pnl: fromMinor(mark.unrealizedPnlMinor, scale),
    });
  }
  return {
    cash: fromMinor(cashMinor, scale),
    equity: fromMinor(cashMinor + marketMinor, scale),
    positions: open,
    realized_pnl: fromMinor(realizedMinor, scale),
  };
}
