import { describe, expect, it } from "vitest";
import {
  affordability,
  applyFill,
  applySplit,
  averageCost,
  emptyPosition,
  markToMarket,
  orderTermsProblem,
  type Position,
  sharesAddedBySplit,
  shouldFill,
} from "../../src/domain/orders";

function fill(position: Position, cash: number, f: Parameters<typeof applyFill>[2]) {
  const r = applyFill(position, cash, f);
  if (!r.ok) throw new Error(r.detail);
  return r;
}

describe("order matching", () => {
  it("fills a market order at once at the quote", () => {
    expect(shouldFill({ side: "buy", type: "market", qty: 1 }, { price: 101.5 })).toEqual({ fill: true, price: 101.5 });
    expect(shouldFill({ side: "sell", type: "market", qty: 1 }, { price: 99 })).toEqual({ fill: true, price: 99 });
  });

  it("fills a limit buy when the quote is at or below the limit, at the quote", () => {
    const order = { side: "buy", type: "limit", qty: 1, limit_price: 100 } as const;
    expect(shouldFill(order, { price: 100.01 })).toEqual({ fill: false });
    expect(shouldFill(order, { price: 100 })).toEqual({ fill: true, price: 100 });
    expect(shouldFill(order, { price: 98 })).toEqual({ fill: true, price: 98 });
  });

  it("fills a limit sell when the quote is at or above the limit", () => {
    const order = { side: "sell", type: "limit", qty: 1, limit_price: 100 } as const;
    expect(shouldFill(order, { price: 99.99 })).toEqual({ fill: false });
    expect(shouldFill(order, { price: 100 })).toEqual({ fill: true, price: 100 });
    expect(shouldFill(order, { price: 105 })).toEqual({ fill: true, price: 105 });
  });

  it("never fills on a broken quote", () => {
    expect(shouldFill({ side: "buy", type: "market", qty: 1 }, { price: Number.NaN })).toEqual({ fill: false });
    expect(shouldFill({ side: "buy", type: "market", qty: 1 }, { price: 0 })).toEqual({ fill: false });
  });

  it("validates order terms", () => {
    expect(orderTermsProblem({ side: "buy", type: "limit", qty: 1 })).toMatch(/limit_price/);
    expect(orderTermsProblem({ side: "buy", type: "market", qty: 0 })).toMatch(/qty/);
    expect(orderTermsProblem({ side: "buy", type: "market", qty: 1.5 }, true)).toMatch(/whole/);
    expect(orderTermsProblem({ side: "buy", type: "market", qty: 1, limit_price: 5 })).toMatch(/market/);
    expect(orderTermsProblem({ side: "sell", type: "limit", qty: 0.5, limit_price: 5 })).toBeNull();
  });
});

describe("affordability at placement", () => {
  it("refuses a buy the cash cannot cover, pricing a limit order at its limit", () => {
    // 10 × 100 = $1,000.00 = 100,000 cents
    const limit = { side: "buy", type: "limit", qty: 10, limit_price: 100 } as const;
    expect(affordability(limit, null, 100_000, emptyPosition())).toEqual({ ok: true });
    expect(affordability(limit, null, 99_999, emptyPosition())).toMatchObject({
      ok: false,
      reason: "insufficient_cash",
    });
    // with a 10 bps fee it needs $1,001.00
    expect(affordability(limit, null, 100_000, emptyPosition(), 10)).toMatchObject({
      ok: false,
      reason: "insufficient_cash",
    });
    const market = { side: "buy", type: "market", qty: 10 } as const;
    expect(affordability(market, { price: 99 }, 99_000, emptyPosition())).toEqual({ ok: true });
    expect(affordability(market, null, 99_000, emptyPosition())).toMatchObject({ ok: false, reason: "invalid_order" });
  });

  it("refuses to sell shares not held (no shorting)", () => {
    const held = { qty: 5, costBasisMinor: 50_000, realizedPnlMinor: 0 };
    expect(affordability({ side: "sell", type: "market", qty: 5 }, { price: 1 }, 0, held)).toEqual({ ok: true });
    expect(affordability({ side: "sell", type: "market", qty: 6 }, { price: 1 }, 0, held)).toMatchObject({
      ok: false,
      reason: "insufficient_shares",
    });
  });
});

describe("positions", () => {
  it("averages the cost of buys and realizes P&L against it on a sell", () => {
    // buy 10 @ 100 ($1,000) then 10 @ 110 ($1,100): 20 shares, basis $2,100, average $105
    let r = fill(emptyPosition(), 1_000_000, { side: "buy", qty: 10, price: 100 });
    r = fill(r.position, r.cashMinor, { side: "buy", qty: 10, price: 110 });
    expect(r.position).toEqual({ qty: 20, costBasisMinor: 210_000, realizedPnlMinor: 0 });
    expect(r.cashMinor).toBe(1_000_000 - 210_000);
    expect(averageCost(r.position)).toBe(105);
    // sell 5 @ 120: proceeds $600, basis released 5/20 × 2,100 = $525 → realized $75
    r = fill(r.position, r.cashMinor, { side: "sell", qty: 5, price: 120 });
    expect(r.position).toEqual({ qty: 15, costBasisMinor: 157_500, realizedPnlMinor: 7_500 });
    expect(r.cashMinor).toBe(1_000_000 - 210_000 + 60_000);
    // marked at 100: value $1,500 vs basis $1,575 → −$75 unrealized
    expect(markToMarket(r.position, 100)).toEqual({ marketValueMinor: 150_000, unrealizedPnlMinor: -7_500 });
  });

  it("puts buy fees into the basis and takes sell fees out of proceeds", () => {
    // buy 1 @ 50 + $1 fee → basis $51; sell 1 @ 60 − $1 fee → proceeds $59, realized $8
    let r = fill(emptyPosition(), 10_000, { side: "buy", qty: 1, price: 50, feeMinor: 100 });
    expect(r.position.costBasisMinor).toBe(5_100);
    r = fill(r.position, r.cashMinor, { side: "sell", qty: 1, price: 60, feeMinor: 100 });
    expect(r.position).toEqual({ qty: 0, costBasisMinor: 0, realizedPnlMinor: 800 });
    expect(r.cashMinor).toBe(10_000 + 800);
    expect(averageCost(r.position)).toBeNull();
  });

  it("releases the whole basis when a position is closed, leaving no stray cents", () => {
    // basis 100 cents over 3 shares: selling 1 releases round(33.33) = 33, then 1 → round(67/2 = 33.5) = 34 (even),
    // then the last share releases the remaining 33
    let r = fill(emptyPosition(), 100, { side: "buy", qty: 3, price: 1 / 3 });
    expect(r.position.costBasisMinor).toBe(100);
    r = fill(r.position, r.cashMinor, { side: "sell", qty: 1, price: 1 });
    r = fill(r.position, r.cashMinor, { side: "sell", qty: 1, price: 1 });
    r = fill(r.position, r.cashMinor, { side: "sell", qty: 1, price: 1 });
    expect(r.position).toEqual({ qty: 0, costBasisMinor: 0, realizedPnlMinor: 300 - 100 });
  });

  it("adds fractional quantities without float dust", () => {
    let r = fill(emptyPosition(), 1_000_000, { side: "buy", qty: 0.1, price: 10 });
    r = fill(r.position, r.cashMinor, { side: "buy", qty: 0.2, price: 10 });
    expect(r.position.qty).toBe(0.3);
    r = fill(r.position, r.cashMinor, { side: "sell", qty: 0.3, price: 10 });
    expect(r.position.qty).toBe(0);
  });

  it("rejects a fill the cash or the shares cannot cover", () => {
    expect(applyFill(emptyPosition(), 9_999, { side: "buy", qty: 1, price: 100 })).toMatchObject({
      ok: false,
      reason: "insufficient_cash",
    });
    expect(applyFill(emptyPosition(), 0, { side: "sell", qty: 1, price: 100 })).toMatchObject({
      ok: false,
      reason: "insufficient_shares",
    });
    expect(applyFill(emptyPosition(), 0, { side: "buy", qty: -1, price: 100 })).toMatchObject({
      ok: false,
      reason: "invalid_order",
    });
    expect(applyFill(emptyPosition(), 0, { side: "buy", qty: 1, price: 1, feeMinor: 0.5 })).toMatchObject({
      ok: false,
      reason: "invalid_order",
    });
  });

  it("multiplies shares on a split and keeps the basis", () => {
    const p = applySplit({ qty: 10, costBasisMinor: 100_000, realizedPnlMinor: 0 }, 4);
    expect(p).toEqual({ qty: 40, costBasisMinor: 100_000, realizedPnlMinor: 0 });
    expect(averageCost(p)).toBe(25);
    expect(() => applySplit(p, 0)).toThrow(RangeError);
  });

  it("counts the shares a split adds to a holding from before its date", () => {
    expect(sharesAddedBySplit(10, 4)).toBe(30); // 4-for-1: 10 → 40
    expect(sharesAddedBySplit(25, 0.1)).toBe(-22.5); // 1-for-10 reverse: 25 → 2.5
    expect(sharesAddedBySplit(3, 1.5)).toBe(1.5); // 3-for-2: 3 → 4.5
    expect(sharesAddedBySplit(0, 4)).toBe(0);
    expect(() => sharesAddedBySplit(1, Number.NaN)).toThrow(RangeError);
  });
});
