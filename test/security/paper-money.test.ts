// Finding 9: rounding never creates money; zero-notional fills and sells of what is not held are 422.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { applyFill, emptyPosition, markToMarket, type Position } from "../../src/domain/orders";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertQuote } from "../helpers/market";

let ids: Map<string, number>;
beforeAll(async () => {
  ids = await insertAssets([{ symbol: "AAPL", name: "Apple" }]);
  await insertQuote(ids.get("AAPL")!, 190.37, 190.37);
});
const order = (token: string, json: Record<string, unknown>) => call("/v1/orders", { method: "POST", token, json });

describe("paper trading never creates money", () => {
  it("refuses the attack: a buy of 0.000008007 AAPL (0.0015 USD) is 422, not a free fill", async () => {
    const { token } = await userToken();
    const r = await order(token, { symbol: "AAPL", side: "buy", qty: 0.000008007, type: "market" });
    expect(r.status).toBe(422);
    expect(r.problem.code).toBe("validation_failed");
    const portfolio = await call("/v1/portfolio", { token });
    expect(portfolio.body).toMatchObject({ cash: 100000, positions: [] });
  });

  it("charges a buy its notional rounded up and credits a sell rounded down (hand-computed cents)", async () => {
    const { token } = await userToken();
    // 0.1 × 190.37 = 19.037 → a buy pays 19.04; selling it back credits 19.03: one cent lost, none made.
    expect((await order(token, { symbol: "AAPL", side: "buy", qty: 0.1, type: "market" })).status).toBe(201);
    expect((await call("/v1/portfolio", { token })).body.cash).toBe(99980.96);
    expect((await order(token, { symbol: "AAPL", side: "sell", qty: 0.1, type: "market" })).status).toBe(201);
    const after = (await call("/v1/portfolio", { token })).body;
    expect(after.cash).toBe(99999.99);
    expect(after.positions).toEqual([]);
  });

  it("answers 422 (not 409) to selling what is not held, down to a billionth of a share", async () => {
    const { token } = await userToken();
    for (const qty of [1, 0.000000001, 0.5]) {
      const r = await order(token, { symbol: "AAPL", side: "sell", qty, type: "market" });
      expect(r.status, String(qty)).toBe(422);
      expect(r.problem.code).toBe("validation_failed");
    }
    const tooFine = await order(token, { symbol: "AAPL", side: "sell", qty: 1e-13, type: "market" });
    expect(tooFine.status).toBe(400);
    expect(tooFine.problem.errors![0]!.path).toBe("qty");
  });

  it("property: no sequence of fills at constant prices increases cash + market value", () => {
    const price = fc.double({ min: 0.01, max: 5000, noNaN: true }).map((p) => Math.round(p * 10_000) / 10_000);
    const qty = fc.integer({ min: 1, max: 2_000_000_000 }).map((n) => n / 1e9);
    const step = fc.record({
      side: fc.constantFrom("buy" as const, "sell" as const),
      qty,
      part: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(price, fc.array(step, { minLength: 1, maxLength: 40 }), (p, steps) => {
        let cash = 10_000_000; // 100,000.00
        let position: Position = emptyPosition();
        const value = () => cash + markToMarket(position, p).marketValueMinor;
        const start = value();
        for (const s of steps) {
          // Sells take a part of what is held (or the asked qty when it is held), so they usually apply.
          const q =
            s.side === "sell" && position.qty > 0
              ? Math.max(1e-9, Math.round(position.qty * s.part * 1e9) / 1e9)
              : s.qty;
          const r = applyFill(position, cash, { side: s.side, qty: q, price: p });
          if (!r.ok) continue;
          cash = r.cashMinor;
          position = r.position;
          expect(value()).toBeLessThanOrEqual(start);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
