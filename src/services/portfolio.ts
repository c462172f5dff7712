// The paper account marked to market: cash from the ledger, positions at their latest quotes, realized P&L.
import type { Config } from "../config";
import { fromMinor } from "../domain/money";
import { averageCost, markToMarket } from "../domain/orders";
import { ensureAccount } from "./paper-trading";

export async function portfolioOf(env: Env, cfg: Config, userId: string) {
  await ensureAccount(env, cfg, userId);
  const scale = 10 ** cfg.BASE_CURRENCY_MINOR_UNITS;
  const [cash, positions] = await env.DB.batch([
    env.DB.prepare("SELECT COALESCE(SUM(amount_minor), 0) AS cash FROM ledger WHERE owner_id = ?").bind(userId),
    env.DB.prepare(
      `SELECT p.symbol, p.qty, p.cost_minor, p.realized_pnl_minor, q.price FROM positions p
       LEFT JOIN assets a ON a.symbol = p.symbol LEFT JOIN quotes q ON q.asset_id = a.id
       WHERE p.owner_id = ? ORDER BY p.symbol`,
    ).bind(userId),
  ]);
  const cashMinor = (cash!.results[0] as { cash: number }).cash;
  let marketMinor = 0;
  let realizedMinor = 0;
  const open = [];
  for (const r of positions!.results as Array<{
    symbol: string;
    qty: number;
    cost_minor: number;
    realized_pnl_minor: number;
    price: number | null;
  }>) {
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
