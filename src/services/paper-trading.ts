// Paper trading: placing, filling, cancelling and expiring orders against the cash ledger and positions.
// A fill is one D1 batch (order, fill, ledger, position) guarded by compare-and-set on what it was computed from,
// so two fills racing for the same order, cash or shares never both land.
import { type Config, getConfig } from "../config";
import { newId, nowIso } from "../db/ids";
import type { NewestFirst } from "../db/keyset";
import { assetQuote } from "../db/quotes";
import {
  cancelOpenOrder,
  crossedLimitOrders,
  depositOpeningCash,
  type FillableOrder,
  findOwnedOrder,
  insertOpenOrder,
  listOwnedOrders,
  type OrderRow,
  orderStatus,
  readAccountRow,
  expireDayOrders as stampExpired,
  writeFill,
} from "../db/trading";
import { toMinor } from "../domain/money";
import { affordability, applyFill, emptyPosition, type Position, shouldFill } from "../domain/orders";
import type { LiveQuote } from "../domain/ticks";
import { nextSessionClose } from "../domain/trading-session";
import { ApiError } from "../errors";
import { sendEvent } from "./webhooks";

export type { OrderRow };
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
  await depositOpeningCash(env.DB, userId, toMinor(cfg.PAPER_CASH, 10 ** cfg.BASE_CURRENCY_MINOR_UNITS));
}

/** Open `day` orders whose session has closed become `expired` (lazily: on reads and on each tick). */
export async function expireDayOrders(env: Env, userId?: string, now = nowIso()): Promise<void> {
  await stampExpired(env.DB, userId ?? null, now);
}

interface Account {
  cashMinor: number;
  /** Cash held for open buy limits (their qty × limit), excluding the order being filled. */
  reservedCashMinor: number;
  position: Position;
  /** Shares promised to open sells of this symbol, excluding the order being filled. */
  reservedQty: number;
}

async function readAccount(env: Env, cfg: Config, userId: string, symbol: string, excludeOrder = ""): Promise<Account> {
  const row = await readAccountRow(env.DB, userId, symbol, excludeOrder, 10 ** cfg.BASE_CURRENCY_MINOR_UNITS);
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

const quoteOf = (env: Env, symbol: string) => assetQuote(env.DB, symbol);

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
      await insertOpenOrder(env.DB, order, now.toISOString());
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
  return writeFill(env.DB, {
    order,
    create,
    fillId: newId("fil"),
    price,
    now,
    minorScale: scale,
    cashDeltaMinor: cashDelta,
    before: account.position,
    after: applied.position,
  });
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
  const crossed = await crossedLimitOrders(env.DB, quotes);
  const priceOf = new Map(quotes.map((q) => [q.symbol, q.price]));
  let filled = 0;
  for (const order of crossed) {
    const r = { id: order.id, owner_id: order.ownerId, symbol: order.symbol, side: order.side, qty: order.qty };
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
      if ((await orderStatus(env.DB, r.id)) !== "open") break;
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
  return listOwnedOrders(env.DB, userId, q);
}

export async function loadOrder(env: Env, userId: string, id: string): Promise<OrderRow | null> {
  return findOwnedOrder(env.DB, userId, id);
}

/** Cancels an open order; a filled, expired or already canceled one is 409, anyone else's 404. */
export async function cancelOrder(env: Env, userId: string, id: string): Promise<OrderRow> {
  await expireDayOrders(env, userId);
  const now = nowIso();
  const canceled = await cancelOpenOrder(env.DB, userId, id, now);
  const row = await loadOrder(env, userId, id);
  if (!row) throw ApiError.notFound(`Order ${id}`);
  if (!canceled) throw new ApiError("conflict", `Order ${id} is ${row.status}; only open orders can be canceled`);
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
