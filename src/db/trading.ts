// Paper trading rows: the cash ledger, orders, fills, positions and the splits applied to them. A fill is one
// batch whose first statement holds the compare-and-set guard; every later statement runs only if its fill row exists.
import { and, desc, eq, isNull } from "drizzle-orm";
import { orm } from "./client";
import { type NewestFirst, olderThan } from "./keyset";
import { orders } from "./schema";

export type OrderRow = typeof orders.$inferSelect;

export type FillableOrder = Pick<
  OrderRow,
  "id" | "ownerId" | "symbol" | "side" | "qty" | "type" | "limitPrice" | "timeInForce" | "expiresAt" | "status"
>;

/** The opening `deposit` row, written once however many callers race. */
export async function depositOpeningCash(db: D1Database, ownerId: string, amountMinor: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO ledger (owner_id, amount_minor, kind, ref) SELECT ?1, ?2, 'deposit', 'opening'
       WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE owner_id = ?1 AND kind = 'deposit' AND ref = 'opening')`,
    )
    .bind(ownerId, amountMinor)
    .run();
}

/** Open `day` orders whose session closed by `now` become `expired` (one owner's, or everyone's). */
export async function expireDayOrders(db: D1Database, ownerId: string | null, now: string): Promise<void> {
  await db
    .prepare(
      `UPDATE orders SET status = 'expired', updated_at = ?1
       WHERE status = 'open' AND expires_at IS NOT NULL AND expires_at <= ?1 AND (?2 IS NULL OR owner_id = ?2)`,
    )
    .bind(now, ownerId)
    .run();
}

// Reservations are recomputed inside the guard, so a limit placed concurrently is seen by the fill that races it.
// Open limit buys hold their notional rounded up (a buy's charge); rounded to 6 places first, as the domain's
// 15-significant-digit cleanup does, so 0.1 × 3 × 100 holds 30, not 31.
const RESERVED_CASH = `(SELECT COALESCE(SUM(CAST(ROUND(qty * limit_price * ?9, 6) AS INTEGER)
    + (ROUND(qty * limit_price * ?9, 6) > CAST(ROUND(qty * limit_price * ?9, 6) AS INTEGER))), 0) FROM orders
  WHERE owner_id = ?1 AND status = 'open' AND side = 'buy' AND type = 'limit' AND id <> ?3)`;
const RESERVED_QTY = `(SELECT COALESCE(SUM(qty), 0) FROM orders
  WHERE owner_id = ?1 AND symbol = ?2 AND status = 'open' AND side = 'sell' AND id <> ?3)`;
const CASH = "(SELECT COALESCE(SUM(amount_minor), 0) FROM ledger WHERE owner_id = ?1)";

export interface AccountRow {
  cash: number;
  reserved_cash: number;
  reserved_qty: number;
  qty: number | null;
  cost_minor: number | null;
  realized_pnl_minor: number | null;
}

/** Cash, what open orders reserve (excluding `excludeOrder`), and the position in `symbol`, in one read. */
export function readAccountRow(
  db: D1Database,
  ownerId: string,
  symbol: string,
  excludeOrder: string,
  minorScale: number,
): Promise<AccountRow | null> {
  return db
    .prepare(
      `SELECT ${CASH} AS cash, ${RESERVED_CASH} AS reserved_cash, ${RESERVED_QTY} AS reserved_qty,
         p.qty, p.cost_minor, p.realized_pnl_minor
       FROM (SELECT 1) LEFT JOIN positions p ON p.owner_id = ?1 AND p.symbol = ?2`,
    )
    .bind(ownerId, symbol, excludeOrder, null, null, null, null, null, minorScale)
    .first<AccountRow>();
}

export async function insertOpenOrder(
  db: D1Database,
  order: Omit<FillableOrder, "status">,
  now: string,
): Promise<void> {
  await orm(db)
    .insert(orders)
    .values({ ...order, status: "open", createdAt: now, updatedAt: now });
}

export interface FillWrite {
  order: FillableOrder;
  /** Insert the order row too (a market order filled on placement). */
  create: boolean;
  fillId: string;
  price: number;
  now: string;
  minorScale: number;
  cashDeltaMinor: number;
  /** The position the fill was computed from; the guard refuses if it moved. */
  before: { qty: number; costBasisMinor: number; realizedPnlMinor: number };
  after: { qty: number; costBasisMinor: number; realizedPnlMinor: number };
}

/**
 * Fills an order in one atomic batch. The first statement holds the guard: the order is still open, the
 * position is exactly what the new one was computed from, and the cash and shares still cover it. Returns
 * false when the guard refused.
 */
export async function writeFill(db: D1Database, w: FillWrite): Promise<boolean> {
  const { order, before: p } = w;
  const covered = `COALESCE((SELECT qty FROM positions WHERE owner_id = ?1 AND symbol = ?2), 0) = ?4
    AND COALESCE((SELECT cost_minor FROM positions WHERE owner_id = ?1 AND symbol = ?2), 0) = ?5
    AND COALESCE((SELECT realized_pnl_minor FROM positions WHERE owner_id = ?1 AND symbol = ?2), 0) = ?6
    AND ${order.side === "buy" ? `${CASH} - ${RESERVED_CASH} + ?7 >= 0` : `ROUND((?4 - ${RESERVED_QTY}) * 1e9) >= ROUND(?8 * 1e9)`}`;
  const guard = `EXISTS (SELECT 1 FROM orders WHERE id = ?3 AND status = 'open') AND ${covered}`;
  // ?1 owner ?2 symbol ?3 order ?4-?6 position snapshot ?7 cash delta ?8 qty ?9 minor scale ?10 fill id ?11 price ?12 now
  const guardArgs = [
    order.ownerId,
    order.symbol,
    order.id,
    p.qty,
    p.costBasisMinor,
    p.realizedPnlMinor,
    w.cashDeltaMinor,
    order.qty,
    w.minorScale,
  ];
  const statements: D1PreparedStatement[] = [];
  if (w.create) {
    statements.push(
      db
        .prepare(
          `INSERT INTO orders (id, owner_id, symbol, side, qty, type, limit_price, time_in_force, status, expires_at, created_at, updated_at)
           SELECT ?3, ?1, ?2, ?13, ?8, ?14, ?15, ?16, 'open', ?17, ?12, ?12
           WHERE ${covered}`,
        )
        .bind(
          ...guardArgs,
          w.fillId,
          w.price,
          w.now,
          order.side,
          order.type,
          order.limitPrice,
          order.timeInForce,
          order.expiresAt,
        ),
    );
  }
  statements.push(
    db
      .prepare(
        `INSERT INTO fills (id, order_id, owner_id, symbol, side, qty, price, fee_minor, created_at, updated_at)
         SELECT ?10, ?3, ?1, ?2, ?13, ?8, ?11, 0, ?12, ?12 WHERE ${guard}`,
      )
      .bind(...guardArgs, w.fillId, w.price, w.now, order.side),
    db
      .prepare(
        `UPDATE orders SET status = 'filled', filled_qty = ?2, avg_fill_price = ?3, filled_at = ?4, updated_at = ?4
         WHERE id = ?1 AND status = 'open' AND EXISTS (SELECT 1 FROM fills WHERE id = ?5)`,
      )
      .bind(order.id, order.qty, w.price, w.now, w.fillId),
    db
      .prepare(
        `INSERT INTO ledger (owner_id, amount_minor, kind, ref, created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?5
         WHERE EXISTS (SELECT 1 FROM fills WHERE id = ?4)`,
      )
      .bind(order.ownerId, w.cashDeltaMinor, order.side, w.fillId, w.now),
    db
      .prepare(
        `INSERT INTO positions (owner_id, symbol, qty, cost_minor, realized_pnl_minor, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6 WHERE EXISTS (SELECT 1 FROM fills WHERE id = ?7)
         ON CONFLICT (owner_id, symbol) DO UPDATE SET qty = excluded.qty, cost_minor = excluded.cost_minor,
           realized_pnl_minor = excluded.realized_pnl_minor, updated_at = excluded.updated_at`,
      )
      .bind(
        order.ownerId,
        order.symbol,
        w.after.qty,
        w.after.costBasisMinor,
        w.after.realizedPnlMinor,
        w.now,
        w.fillId,
      ),
  );
  const results = await db.batch(statements);
  return (results[w.create ? 1 : 0]?.meta.changes ?? 0) === 1;
}

/** Open limit orders the ticks cross, oldest first (at most 500 a tick). */
export async function crossedLimitOrders(
  db: D1Database,
  ticks: ReadonlyArray<{ symbol: string; price: number }>,
): Promise<FillableOrder[]> {
  const { results } = await db
    .prepare(
      `SELECT o.id, o.owner_id, o.symbol, o.side, o.qty, o.type, o.limit_price, o.time_in_force, o.expires_at, o.status
       FROM orders o JOIN (SELECT json_extract(value,'$[0]') AS symbol, json_extract(value,'$[1]') AS price FROM json_each(?1)) t
         ON t.symbol = o.symbol
       WHERE o.status = 'open' AND o.type = 'limit' AND o.deleted_at IS NULL
         AND ((o.side = 'buy' AND t.price <= o.limit_price) OR (o.side = 'sell' AND t.price >= o.limit_price))
       ORDER BY o.created_at LIMIT 500`,
    )
    .bind(JSON.stringify(ticks.map((q) => [q.symbol, q.price])))
    .all<{
      id: string;
      owner_id: string;
      symbol: string;
      side: "buy" | "sell";
      qty: number;
      type: "limit";
      limit_price: number;
      time_in_force: "day" | "gtc";
      expires_at: string | null;
      status: "open";
    }>();
  return results.map((r) => ({
    id: r.id,
    ownerId: r.owner_id,
    symbol: r.symbol,
    side: r.side,
    qty: r.qty,
    type: r.type,
    limitPrice: r.limit_price,
    timeInForce: r.time_in_force,
    expiresAt: r.expires_at,
    status: r.status,
  }));
}

export async function orderStatus(db: D1Database, id: string): Promise<string | null> {
  return (
    (await db.prepare("SELECT status FROM orders WHERE id = ?").bind(id).first<{ status: string }>())?.status ?? null
  );
}

/** The owner of an order, or null. */
export async function orderOwner(db: D1Database, id: string): Promise<string | null> {
  return (
    (await db.prepare("SELECT owner_id FROM orders WHERE id = ?").bind(id).first<{ owner_id: string }>())?.owner_id ??
    null
  );
}

/** The owner's orders newest first; limit + 1 rows. */
export function listOwnedOrders(
  db: D1Database,
  ownerId: string,
  q: { status?: OrderRow["status"]; limit: number; after?: NewestFirst },
): Promise<OrderRow[]> {
  return orm(db)
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.ownerId, ownerId),
        isNull(orders.deletedAt),
        q.status ? eq(orders.status, q.status) : undefined,
        olderThan(orders.createdAt, orders.id, q.after),
      ),
    )
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(q.limit + 1);
}

export async function findOwnedOrder(db: D1Database, ownerId: string, id: string): Promise<OrderRow | null> {
  const row = await orm(db)
    .select()
    .from(orders)
    .where(and(eq(orders.id, id), eq(orders.ownerId, ownerId)))
    .get();
  return row ?? null;
}

/** Cancels an open order of the owner's; false when it was not open (or not theirs). */
export async function cancelOpenOrder(db: D1Database, ownerId: string, id: string, now: string): Promise<boolean> {
  const res = await db
    .prepare(
      "UPDATE orders SET status = 'canceled', canceled_at = ?3, updated_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND status = 'open'",
    )
    .bind(id, ownerId, now)
    .run();
  return res.meta.changes > 0;
}

export interface PositionQuoteRow {
  symbol: string;
  qty: number;
  cost_minor: number;
  realized_pnl_minor: number;
  price: number | null;
}

/** Cash and every position with its stored quote price, read in one batch (one snapshot). */
export async function readHoldings(
  db: D1Database,
  ownerId: string,
): Promise<{ cashMinor: number; positions: PositionQuoteRow[] }> {
  const [cash, positions] = await db.batch([
    db.prepare("SELECT COALESCE(SUM(amount_minor), 0) AS cash FROM ledger WHERE owner_id = ?").bind(ownerId),
    db
      .prepare(
        `SELECT p.symbol, p.qty, p.cost_minor, p.realized_pnl_minor, q.price FROM positions p
         LEFT JOIN assets a ON a.symbol = p.symbol LEFT JOIN quotes q ON q.asset_id = a.id
         WHERE p.owner_id = ? ORDER BY p.symbol`,
      )
      .bind(ownerId),
  ]);
  return {
    cashMinor: (cash!.results[0] as { cash: number }).cash,
    positions: positions!.results as unknown as PositionQuoteRow[],
  };
}

export interface DueSplit {
  owner_id: string;
  symbol: string;
  split_date: string;
  ratio: number;
  held_before: number;
}

/**
 * Stored splits dated on or before `today` that some paper account held shares through and that were not applied
 * to it yet. Holdings through a split = net fills strictly before its date (fills on or after it are at post-split
 * prices).
 */
export async function dueSplits(db: D1Database, today: string): Promise<DueSplit[]> {
  const { results } = await db
    .prepare(
      `SELECT f.owner_id, a.symbol, ca.date AS split_date, ca.ratio,
              SUM(CASE f.side WHEN 'buy' THEN f.qty ELSE -f.qty END) AS held_before
       FROM corporate_actions ca
       JOIN assets a ON a.id = ca.asset_id
       JOIN fills f ON f.symbol = a.symbol AND substr(f.created_at, 1, 10) < ca.date
       WHERE ca.kind = 'split' AND ca.ratio > 0 AND ca.date <= ?1
         AND NOT EXISTS (SELECT 1 FROM position_splits ps
                         WHERE ps.owner_id = f.owner_id AND ps.symbol = a.symbol AND ps.split_date = ca.date)
       GROUP BY f.owner_id, a.symbol, ca.date, ca.ratio
       HAVING held_before > 1e-9
       ORDER BY ca.date, a.symbol, f.owner_id
       LIMIT 500`,
    )
    .bind(today)
    .all<DueSplit>();
  return results;
}

/**
 * Restates one account's holdings for one split in one atomic batch, guarded by the absence of its
 * `position_splits` row (which the batch inserts). True when this call applied it.
 */
export async function applySplit(db: D1Database, s: DueSplit, sharesAdded: number): Promise<boolean> {
  const notYet = `NOT EXISTS (SELECT 1 FROM position_splits WHERE owner_id = ?1 AND symbol = ?2 AND split_date = ?3)`;
  const [positions, , marked] = await db.batch([
    db
      .prepare(
        `UPDATE positions SET qty = qty + ?4, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
         WHERE owner_id = ?1 AND symbol = ?2 AND ${notYet}`,
      )
      .bind(s.owner_id, s.symbol, s.split_date, sharesAdded),
    db
      .prepare(
        `UPDATE orders SET qty = qty * ?4, limit_price = limit_price / ?4, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
         WHERE owner_id = ?1 AND symbol = ?2 AND status = 'open' AND type = 'limit'
           AND substr(created_at, 1, 10) < ?3 AND ${notYet}`,
      )
      .bind(s.owner_id, s.symbol, s.split_date, s.ratio),
    db
      .prepare(
        `INSERT INTO position_splits (owner_id, symbol, split_date, ratio, held_before, shares_added)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING`,
      )
      .bind(s.owner_id, s.symbol, s.split_date, s.ratio, s.held_before, sharesAdded),
  ]);
  return (marked?.meta.changes ?? 0) > 0 && (positions?.meta.changes ?? 0) > 0;
}
