// Paper trading: placing, filling, cancelling and expiring orders against the cash ledger and positions.
// A fill is one D1 batch (order, fill, ledger, position) guarded by compare-and-set on what it was computed from,
// so two fills racing for the same order, cash or shares never both land.
import { and, desc, eq, isNull } from "drizzle-orm";
import { type Config, getConfig } from "../config";
import { getDb } from "../db/client";
import { newId, nowIso } from "../db/ids";
import { olderThan } from "../db/keyset";
import { orders } from "../db/schema";
import { toMinor } from "../domain/money";
import { affordability, applyFill, emptyPosition, type Position, shouldFill } from "../domain/orders";
import { nextSessionClose } from "../domain/trading-session";
import { ApiError } from "../http/errors";
import type { NewestFirst } from "../http/pagination";
import type { LiveQuote } from "./live";
import { sendEvent } from "./webhooks";

export type OrderRow = typeof orders.$inferSelect;
export interface OrderInput {
  symbol: string;
  side: "buy" | "sell";
  qty: number;
  type: "market" | "limit";
  limit_price?: number;
  time_in_force: "day" | "gtc";
}

const ATTEMPTS = 4;

/** Every account starts with the configured paper cash: one `deposit` row, written once however many callers race. */
export async function ensureAccount(env: Env, cfg: Config, userId: string): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO ledger (owner_id, amount_minor, kind, ref) SELECT ?1, ?2, 'deposit', 'opening'
     WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE owner_id = ?1 AND kind = 'deposit' AND ref = 'opening')`,
  )
    .bind(userId, toMinor(cfg.PAPER_CASH, 10 ** cfg.BASE_CURRENCY_MINOR_UNITS))
    .run();
}

/** Open `day` orders whose session has closed become `expired` (lazily: on reads and on each tick). */
export async function expireDayOrders(env: Env, userId?: string, now = nowIso()): Promise<void> {
  await env.DB.prepare(
    `UPDATE orders SET status = 'expired', updated_at = ?1
     WHERE status = 'open' AND expires_at IS NOT NULL AND expires_at <= ?1 AND (?2 IS NULL OR owner_id = ?2)`,
  )
    .bind(now, userId ?? null)
    .run();
}

interface Account {
  cashMinor: number;
  /** Cash held for open buy limits (their qty × limit), excluding the order being filled. */
  reservedCashMinor: number;
  position: Position;
  /** Shares promised to open sells of this symbol, excluding the order being filled. */
  reservedQty: number;
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

async function readAccount(env: Env, cfg: Config, userId: string, symbol: string, excludeOrder = ""): Promise<Account> {
  const row = await env.DB.prepare(
    `SELECT ${CASH} AS cash, ${RESERVED_CASH} AS reserved_cash, ${RESERVED_QTY} AS reserved_qty,
       p.qty, p.cost_minor, p.realized_pnl_minor
     FROM (SELECT 1) LEFT JOIN positions p ON p.owner_id = ?1 AND p.symbol = ?2`,
  )
    .bind(userId, symbol, excludeOrder, null, null, null, null, null, 10 ** cfg.BASE_CURRENCY_MINOR_UNITS)
    .first<{
      cash: number;
      reserved_cash: number;
      reserved_qty: number;
      qty: number | null;
      cost_minor: number | null;
      realized_pnl_minor: number | null;
    }>();
  return {
    cashMinor: row?.cash ?? 0,
    reservedCashMinor: row?.reserved_cash ?? 0,
    reservedQty: row?.reserved_qty ?? 0,
    position:
      row?.qty === null || row?.qty === undefined
        ? emptyPosition()
        : { qty: row.qty, costBasisMinor: row.cost_minor ?? 0, realizedPnlMinor: row.realized_pnl_minor ?? 0 },
  };
}

async function quoteOf(env: Env, symbol: string) {
  return env.DB.prepare(
    `SELECT a.id AS asset_id, q.price, q.ts FROM assets a LEFT JOIN quotes q ON q.asset_id = a.id
     WHERE a.symbol = ? AND a.deleted_at IS NULL`,
  )
    .bind(symbol)
    .first<{ asset_id: number; price: number | null; ts: string | null }>();
}

/** Refuses (422) what the account cannot pay for or deliver, counting what open orders already hold. */
function checkAffordable(order: OrderInput, quotePrice: number | null, account: Account) {
  const check = affordability(
    order,
    quotePrice === null ? null : { price: quotePrice },
    account.cashMinor - account.reservedCashMinor,
    { ...account.position, qty: account.position.qty - account.reservedQty },
  );
  if (check.ok) return;
  const detail =
    check.reason === "insufficient_cash"
      ? `Insufficient cash: ${check.detail}${account.reservedCashMinor ? " (open buy orders hold part of it)" : ""}`
      : check.reason === "insufficient_shares"
        ? `Insufficient shares of ${order.symbol}: ${check.detail}${account.reservedQty ? ` (open sell orders hold ${account.reservedQty})` : ""}`
        : check.detail;
  throw ApiError.validation(
    detail,
    [{ path: check.reason === "invalid_order" ? "(root)" : "qty", message: detail }],
    422,
  );
}

export async function placeOrder(env: Env, cfg: Config, userId: string, input: OrderInput): Promise<OrderRow> {
  if (!cfg.FRACTIONAL_SHARES && !Number.isInteger(input.qty)) {
    throw ApiError.validation("qty must be a whole number of shares", [
      { path: "qty", message: "fractional shares are disabled" },
    ]);
  }
  const asset = await quoteOf(env, input.symbol);
  if (!asset)
    throw ApiError.validation(`Unknown symbol ${input.symbol}`, [{ path: "symbol", message: "unknown symbol" }], 422);
  await Promise.all([ensureAccount(env, cfg, userId), expireDayOrders(env, userId)]);
  const id = newId("ord");
  const now = new Date();
  const order = {
    id,
    ownerId: userId,
    symbol: input.symbol,
    side: input.side,
    qty: input.qty,
    type: input.type,
    limitPrice: input.limit_price ?? null,
    timeInForce: input.time_in_force,
    expiresAt: input.time_in_force === "day" ? nextSessionClose(now).toISOString() : null,
  };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const quote = attempt === 0 ? asset : await quoteOf(env, input.symbol);
    const account = await readAccount(env, cfg, userId, input.symbol);
    if (input.type === "market" && quote?.price == null) {
      throw ApiError.validation(`No quote for ${input.symbol} yet, so a market order cannot be priced`, undefined, 422);
    }
    checkAffordable(input, quote?.price ?? null, account);
    const match = quote?.price != null ? shouldFill(input, { price: quote.price }) : { fill: false as const };
    if (!match.fill) {
      await getDb(env)
        .insert(orders)
        .values({ ...order, status: "open", createdAt: now.toISOString(), updatedAt: now.toISOString() });
      return (await loadOrder(env, userId, id))!;
    }
    const filled = await fill(env, cfg, { ...order, status: "open" }, match.price, account, now.toISOString(), true);
    if (filled) {
      const row = (await loadOrder(env, userId, id))!;
      await announceFill(env, row);
      return row;
    }
  }
  throw new ApiError("conflict", "The account changed while the order was placed; retry the order");
}

type FillableOrder = Pick<
  OrderRow,
  "id" | "ownerId" | "symbol" | "side" | "qty" | "type" | "limitPrice" | "timeInForce" | "expiresAt" | "status"
>;

/**
 * Fills `order` at `price` in one atomic batch. The first statement holds the guard: the order is still open,
 * the position is exactly what the new one was computed from, and the cash and shares still cover it.
 * Every later statement runs only if that fill row exists. Returns false when the guard refused.
 */
async function fill(
  env: Env,
  cfg: Config,
  order: FillableOrder,
  price: number,
  account: Account,
  now: string,
  create: boolean,
): Promise<boolean> {
  const scale = 10 ** cfg.BASE_CURRENCY_MINOR_UNITS;
  const applied = applyFill(account.position, account.cashMinor - account.reservedCashMinor, {
    side: order.side,
    qty: order.qty,
    price,
  });
  if (!applied.ok) return false;
  const cashDelta = applied.cashMinor - (account.cashMinor - account.reservedCashMinor);
  const fillId = newId("fil");
  const p = account.position;
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
    cashDelta,
    order.qty,
    scale,
  ];
  const statements: D1PreparedStatement[] = [];
  if (create) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO orders (id, owner_id, symbol, side, qty, type, limit_price, time_in_force, status, expires_at, created_at, updated_at)
         SELECT ?3, ?1, ?2, ?13, ?8, ?14, ?15, ?16, 'open', ?17, ?12, ?12
         WHERE ${covered}`,
      ).bind(
        ...guardArgs,
        fillId,
        price,
        now,
        order.side,
        order.type,
        order.limitPrice,
        order.timeInForce,
        order.expiresAt,
      ),
    );
  }
  statements.push(
    env.DB.prepare(
      `INSERT INTO fills (id, order_id, owner_id, symbol, side, qty, price, fee_minor, created_at, updated_at)
       SELECT ?10, ?3, ?1, ?2, ?13, ?8, ?11, 0, ?12, ?12 WHERE ${guard}`,
    ).bind(...guardArgs, fillId, price, now, order.side),
    env.DB.prepare(
      `UPDATE orders SET status = 'filled', filled_qty = ?2, avg_fill_price = ?3, filled_at = ?4, updated_at = ?4
       WHERE id = ?1 AND status = 'open' AND EXISTS (SELECT 1 FROM fills WHERE id = ?5)`,
    ).bind(order.id, order.qty, price, now, fillId),
    env.DB.prepare(
      `INSERT INTO ledger (owner_id, amount_minor, kind, ref, created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?5
       WHERE EXISTS (SELECT 1 FROM fills WHERE id = ?4)`,
    ).bind(order.ownerId, cashDelta, order.side, fillId, now),
    env.DB.prepare(
      `INSERT INTO positions (owner_id, symbol, qty, cost_minor, realized_pnl_minor, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6 WHERE EXISTS (SELECT 1 FROM fills WHERE id = ?7)
       ON CONFLICT (owner_id, symbol) DO UPDATE SET qty = excluded.qty, cost_minor = excluded.cost_minor,
         realized_pnl_minor = excluded.realized_pnl_minor, updated_at = excluded.updated_at`,
    ).bind(
      order.ownerId,
      order.symbol,
      applied.position.qty,
      applied.position.costBasisMinor,
      applied.position.realizedPnlMinor,
      now,
      fillId,
    ),
  );
  const results = await env.DB.batch(statements);
  return (results[create ? 1 : 0]?.meta.changes ?? 0) === 1;
}

async function announceFill(env: Env, row: OrderRow) {
  await sendEvent(env, "order.filled", { order: publicOrder(row) }).catch((err) =>
    console.error(
      JSON.stringify({ level: "error", msg: "order.filled event not sent", order_id: row.id, error: String(err) }),
    ),
  );
}

/** Open limit orders crossed by this tick fill at the tick's price; returns how many filled. */
export async function fillCrossedOrders(env: Env, quotes: LiveQuote[]): Promise<number> {
  if (!quotes.length) return 0;
  const cfg = getConfig(env);
  const now = nowIso();
  await expireDayOrders(env, undefined, now);
  const prices = JSON.stringify(quotes.map((q) => [q.symbol, q.price]));
  const { results } = await env.DB.prepare(
    `SELECT o.id, o.owner_id, o.symbol, o.side, o.qty, o.type, o.limit_price, o.time_in_force, o.expires_at, o.status
     FROM orders o JOIN (SELECT json_extract(value,'$[0]') AS symbol, json_extract(value,'$[1]') AS price FROM json_each(?1)) t
       ON t.symbol = o.symbol
     WHERE o.status = 'open' AND o.type = 'limit' AND o.deleted_at IS NULL
       AND ((o.side = 'buy' AND t.price <= o.limit_price) OR (o.side = 'sell' AND t.price >= o.limit_price))
     ORDER BY o.created_at LIMIT 500`,
  )
    .bind(prices)
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
  const priceOf = new Map(quotes.map((q) => [q.symbol, q.price]));
  let filled = 0;
  for (const r of results) {
    const order: FillableOrder = {
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
    };
    const price = priceOf.get(r.symbol)!;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const account = await readAccount(env, cfg, r.owner_id, r.symbol, r.id);
      // Cash or shares moved since the order was accepted: it stays open and fills once they are back.
      if (
        !applyFill(account.position, account.cashMinor - account.reservedCashMinor, { side: r.side, qty: r.qty, price })
          .ok
      )
        break;
      if (await fill(env, cfg, order, price, account, now, false)) {
        filled++;
        const row = await loadOrder(env, r.owner_id, r.id);
        if (row) await announceFill(env, row);
        break;
      }
      const still = await env.DB.prepare("SELECT status FROM orders WHERE id = ?")
        .bind(r.id)
        .first<{ status: string }>();
      if (still?.status !== "open") break;
    }
  }
  return filled;
}

/** The owner's orders newest first (day orders past their close are expired first); limit + 1 rows. */
export async function listOrders(
  env: Env,
  userId: string,
  q: { status?: OrderRow["status"]; limit: number; after?: NewestFirst },
): Promise<OrderRow[]> {
  await expireDayOrders(env, userId);
  return getDb(env)
    .select()
    .from(orders)
    .where(
      and(
        eq(orders.ownerId, userId),
        isNull(orders.deletedAt),
        q.status ? eq(orders.status, q.status) : undefined,
        olderThan(orders.createdAt, orders.id, q.after),
      ),
    )
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(q.limit + 1);
}

export async function loadOrder(env: Env, userId: string, id: string): Promise<OrderRow | null> {
  const row = await getDb(env)
    .select()
    .from(orders)
    .where(and(eq(orders.id, id), eq(orders.ownerId, userId)))
    .get();
  return row ?? null;
}

/** Cancels an open order; a filled, expired or already canceled one is 409, anyone else's 404. */
export async function cancelOrder(env: Env, userId: string, id: string): Promise<OrderRow> {
  await expireDayOrders(env, userId);
  const now = nowIso();
  const res = await env.DB.prepare(
    "UPDATE orders SET status = 'canceled', canceled_at = ?3, updated_at = ?3 WHERE id = ?1 AND owner_id = ?2 AND status = 'open'",
  )
    .bind(id, userId, now)
    .run();
  const row = await loadOrder(env, userId, id);
  if (!row) throw ApiError.notFound(`Order ${id}`);
  if (res.meta.changes === 0)
    throw new ApiError("conflict", `Order ${id} is ${row.status}; only open orders can be canceled`);
  return row;
}

export function publicOrder(o: OrderRow) {
  return {
    id: o.id,
    symbol: o.symbol,
    side: o.side,
    qty: o.qty,
    type: o.type,
    limit_price: o.limitPrice,
    time_in_force: o.timeInForce,
    status: o.status,
    filled_qty: o.filledQty,
    avg_fill_price: o.avgFillPrice,
    filled_at: o.filledAt,
    canceled_at: o.canceledAt,
    expires_at: o.expiresAt,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
  };
}
