// Paper-trading order matching and position accounting, in integer minor units.
import { bpsOfMinor, chargeMinor, fromMinor, notionalMinor, proceedsMinor, roundHalfEven } from "./money";

export type OrderSide = "buy" | "sell";
export type OrderType = "market" | "limit";

export interface OrderTerms {
  side: OrderSide;
  type: OrderType;
  qty: number;
  limit_price?: number;
}

export interface Quote {
  price: number;
}

export interface Position {
  qty: number;
  /** What the shares still held cost, fees included, minor units. */
  costBasisMinor: number;
  /** Profit locked in by sells, minor units. */
  realizedPnlMinor: number;
}

export interface Fill {
  side: OrderSide;
  qty: number;
  price: number;
  feeMinor?: number;
}

export type OrderRejection = "invalid_order" | "insufficient_cash" | "insufficient_shares";

export const emptyPosition = (): Position => ({ qty: 0, costBasisMinor: 0, realizedPnlMinor: 0 });

/** Quantities are compared in whole 10⁻⁹ share steps, the precision positions are kept in (see addQty). */
const nano = (qty: number) => Math.round(qty * 1e9);
const covers = (held: number, wanted: number) => nano(wanted) <= nano(held);

/** A fill worth less than half a minor unit would be free (buy) or pure rounding (sell): refused. */
const ZERO_NOTIONAL = "the order's notional rounds to zero; trade a larger quantity";

/** Why the order's terms are malformed, or null (a limit order needs a positive limit price; a market one none). */
export function orderTermsProblem(order: OrderTerms, wholeSharesOnly = false): string | null {
  if (!(Number.isFinite(order.qty) && order.qty > 0)) return "qty must be a positive number";
  if (wholeSharesOnly && !Number.isInteger(order.qty)) return "qty must be a whole number of shares";
  if (order.type === "limit" && !(Number.isFinite(order.limit_price) && (order.limit_price as number) > 0)) {
    return "a limit order needs a positive limit_price";
  }
  if (order.type === "market" && order.limit_price !== undefined) return "a market order takes no limit_price";
  return null;
}

/**
 * Whether `quote` fills the order, and at what price. Market orders fill at the quote. A limit buy fills
 * when the quote is at or below the limit, a limit sell at or above; the fill is at the quote, which is
 * never worse than the limit (price improvement goes to the trader, as on an exchange).
 */
export function shouldFill(order: OrderTerms, quote: Quote): { fill: true; price: number } | { fill: false } {
  if (!(Number.isFinite(quote.price) && quote.price > 0)) return { fill: false };
  if (order.type === "market") return { fill: true, price: quote.price };
  const limit = order.limit_price as number;
  const crosses = order.side === "buy" ? quote.price <= limit : quote.price >= limit;
  return crosses ? { fill: true, price: quote.price } : { fill: false };
}

/**
 * Checks an order can be paid for before it is accepted (422 otherwise): a buy needs cash for qty at the
 * limit price (limit) or the current quote (market), plus the fee; a sell needs the shares (no shorting).
 */
export function affordability(
  order: OrderTerms,
  quote: Quote | null,
  cashMinor: number,
  position: Position,
  feeBps = 0,
): { ok: true } | { ok: false; reason: OrderRejection; detail: string } {
  const problem = orderTermsProblem(order);
  if (problem) return { ok: false, reason: "invalid_order", detail: problem };
  const price = order.type === "limit" ? (order.limit_price as number) : quote?.price;
  if (price === undefined) return { ok: false, reason: "invalid_order", detail: "no quote to price a market order" };
  if (order.side === "sell") {
    if (!covers(position.qty, order.qty))
      return { ok: false, reason: "insufficient_shares", detail: `holding ${position.qty}, selling ${order.qty}` };
    return notionalMinor(order.qty, price) === 0
      ? { ok: false, reason: "invalid_order", detail: ZERO_NOTIONAL }
      : { ok: true };
  }
  if (notionalMinor(order.qty, price) === 0) return { ok: false, reason: "invalid_order", detail: ZERO_NOTIONAL };
  const notional = chargeMinor(order.qty, price);
  const cost = notional + bpsOfMinor(notional, feeBps);
  return cost <= cashMinor
    ? { ok: true }
    : { ok: false, reason: "insufficient_cash", detail: `needs ${fromMinor(cost)}, cash is ${fromMinor(cashMinor)}` };
}

/**
 * The position and cash after a fill. Buys add their cost (fee included) to the basis; sells release the
 * average cost of the shares sold, and proceeds minus that basis (fee deducted) become realized P&L.
 */
export function applyFill(
  position: Position,
  cashMinor: number,
  fill: Fill,
): { ok: true; position: Position; cashMinor: number } | { ok: false; reason: OrderRejection; detail: string } {
  const fee = fill.feeMinor ?? 0;
  if (!(Number.isFinite(fill.qty) && fill.qty > 0 && Number.isFinite(fill.price) && fill.price > 0)) {
    return { ok: false, reason: "invalid_order", detail: "fill qty and price must be positive" };
  }
  if (!(Number.isSafeInteger(fee) && fee >= 0))
    return { ok: false, reason: "invalid_order", detail: "fee must be whole minor units ≥ 0" };
  if (notionalMinor(fill.qty, fill.price) === 0) return { ok: false, reason: "invalid_order", detail: ZERO_NOTIONAL };
  if (fill.side === "buy") {
    // Rounded up: a buy never costs less than it is worth.
    const cost = chargeMinor(fill.qty, fill.price) + fee;
    if (cost > cashMinor) {
      return {
        ok: false,
        reason: "insufficient_cash",
        detail: `needs ${fromMinor(cost)}, cash is ${fromMinor(cashMinor)}`,
      };
    }
    return {
      ok: true,
      cashMinor: cashMinor - cost,
      position: {
        qty: addQty(position.qty, fill.qty),
        costBasisMinor: position.costBasisMinor + cost,
        realizedPnlMinor: position.realizedPnlMinor,
      },
    };
  }
  if (!covers(position.qty, fill.qty)) {
    return { ok: false, reason: "insufficient_shares", detail: `holding ${position.qty}, selling ${fill.qty}` };
  }
  const remaining = addQty(position.qty, -fill.qty);
  // selling everything releases the whole basis, so no rounding remainder is ever stranded
  const released =
    remaining === 0 ? position.costBasisMinor : roundHalfEven((position.costBasisMinor * fill.qty) / position.qty);
  // Rounded down: a sell never credits more than it is worth.
  const proceeds = proceedsMinor(fill.qty, fill.price) - fee;
  return {
    ok: true,
    cashMinor: cashMinor + proceeds,
    position: {
      qty: remaining,
      costBasisMinor: position.costBasisMinor - released,
      realizedPnlMinor: position.realizedPnlMinor + proceeds - released,
    },
  };
}

/** Quantities add in 10⁻⁹ share steps so repeated fractional fills leave no float dust (0.1 + 0.2 = 0.3). */
function addQty(a: number, b: number): number {
  const sum = Math.round((a + b) * 1e9) / 1e9;
  return sum === 0 ? 0 : sum;
}

/** Average cost per share in major units (fees included), or null for a flat position. */
export function averageCost(position: Position): number | null {
  return position.qty > 0 ? fromMinor(position.costBasisMinor) / position.qty : null;
}

/** Market value and unrealized P&L (minor units) at `lastPrice`. */
export function markToMarket(
  position: Position,
  lastPrice: number,
): { marketValueMinor: number; unrealizedPnlMinor: number } {
  const marketValueMinor = position.qty > 0 ? notionalMinor(position.qty, lastPrice) : 0;
  return { marketValueMinor, unrealizedPnlMinor: marketValueMinor - position.costBasisMinor };
}

/** A split of `ratio` new shares per old share (4 for a 4-for-1): more shares, same basis, same value. */
export function applySplit(position: Position, ratio: number): Position {
  return { ...position, qty: position.qty + sharesAddedBySplit(position.qty, ratio) };
}

/**
 * Shares a split adds to a holding of `heldBefore` shares from before its date (3 for 1 share in a 4-for-1; a
 * 1-for-10 reverse split removes 0.9 of each). Shares bought on or after the date are already post-split.
 */
export function sharesAddedBySplit(heldBefore: number, ratio: number): number {
  if (!(Number.isFinite(ratio) && ratio > 0)) throw new RangeError(`split ratio must be positive, got ${ratio}`);
  return Math.round(heldBefore * ratio * 1e9) / 1e9 - heldBefore;
}
