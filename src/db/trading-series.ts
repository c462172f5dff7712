// The series a backtest trades: split-adjusted closes and volumes, and cash dividends on the same share scale.
import type { PricePoint } from "../domain/price-matrix";

/** A session as a backtest trades it: the split-adjusted close and the shares traded, in today's shares. */
export interface TradingPoint extends PricePoint {
  volume: number;
}

/**
 * Split-adjusted closes and volumes of up to 50 assets (dividends are not in these prices), with their cash
 * dividends per split-adjusted share (the raw amount × the split factor on the ex-date), ex-dates in [start, end].
 */
export async function readTradingPage(
  db: D1Database,
  assets: ReadonlyArray<{ id: number; symbol: string }>,
  start: string,
  end: string,
): Promise<{
  history: Record<string, TradingPoint[]>;
  dividends: Record<string, Array<{ ex_date: string; amount: number }>>;
}> {
  const symbolOf = new Map(assets.map((a) => [a.id, a.symbol]));
  const ids = JSON.stringify(assets.map((a) => a.id));
  const [bars, dividends] = await db.batch([
    db
      .prepare(
        `SELECT asset_id, json_group_array(date) AS dates, json_group_array(close) AS closes,
           json_group_array(volume) AS volumes FROM (
           SELECT p.asset_id, p.date, p.close * COALESCE(f.split_factor, 1) AS close,
             p.volume / COALESCE(f.split_factor, 1.0) AS volume
           FROM prices p
           LEFT JOIN adjustment_factors f ON f.asset_id = p.asset_id AND f.from_date <= p.date AND p.date < f.to_date
           WHERE p.asset_id IN (SELECT value FROM json_each(?1)) AND p.superseded_at IS NULL AND p.date >= ?2 AND p.date <= ?3
           ORDER BY p.asset_id, p.date)
         GROUP BY asset_id`,
      )
      .bind(ids, start, end),
    db
      .prepare(
        `SELECT ca.asset_id, ca.date, ca.amount * COALESCE(f.split_factor, 1) AS amount FROM corporate_actions ca
         LEFT JOIN adjustment_factors f ON f.asset_id = ca.asset_id AND f.from_date <= ca.date AND ca.date < f.to_date
         WHERE ca.asset_id IN (SELECT value FROM json_each(?1)) AND ca.kind = 'dividend' AND ca.amount IS NOT NULL
           AND ca.date >= ?2 AND ca.date <= ?3
         ORDER BY ca.asset_id, ca.date`,
      )
      .bind(ids, start, end),
  ]);
  const one = new Map<string, string>(); // one string per date across the page's series
  const intern = (d: string) => {
    const s = one.get(d);
    if (s !== undefined) return s;
    one.set(d, d);
    return d;
  };
  const history: Record<string, TradingPoint[]> = {};
  const cash: Record<string, Array<{ ex_date: string; amount: number }>> = {};
  for (const a of assets) history[a.symbol] = [];
  for (const r of (bars?.results ?? []) as Array<{
    asset_id: number;
    dates: string;
    closes: string;
    volumes: string;
  }>) {
    const dates = JSON.parse(r.dates) as string[];
    const closes = JSON.parse(r.closes) as number[];
    const volumes = JSON.parse(r.volumes) as number[];
    history[symbolOf.get(r.asset_id) as string] = dates.map((d, i) => ({
      date: intern(d),
      close: closes[i] as number,
      volume: volumes[i] as number,
    }));
  }
  for (const r of (dividends?.results ?? []) as Array<{ asset_id: number; date: string; amount: number }>) {
    const symbol = symbolOf.get(r.asset_id) as string;
    const list = cash[symbol] ?? [];
    list.push({ ex_date: r.date, amount: r.amount });
    cash[symbol] = list;
  }
  return { history, dividends: cash };
}
