// ?fields= from API.md: trims each returned object (or each item of `data`); an unknown field is 400.
import { describe, expect, it } from "vitest";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertQuote, weekdays } from "../helpers/market";

async function seedAapl() {
  const ids = await insertAssets([
    { symbol: "AAPL", name: "Apple" },
    { symbol: "MSFT", name: "Microsoft" },
  ]);
  await insertBars(ids.get("AAPL")!, weekdays("2024-01-02", 5), (i) => 100 + i);
  await insertQuote(ids.get("AAPL")!, 105, 104);
  await insertQuote(ids.get("MSFT")!, 205, 204);
}

describe("?fields=", () => {
  it("refuses an unknown field on an empty page, since the route declares its item fields", async () => {
    const { token } = await userToken();
    const r = await call("/v1/alerts?fields=bogus", { token });
    expect(r.status).toBe(400);
    expect(r.problem.code).toBe("validation_failed");
    const good = await call("/v1/alerts?fields=id,symbol", { token });
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ data: [], next_cursor: null });
  });

  it("trims each item of data in a { data, missing } answer and keeps the envelope", async () => {
    await seedAapl();
    const { token } = await userToken();
    const r = await call("/v1/quotes?symbols=AAPL,MSFT,NOPE&fields=symbol,price", { token });
    expect(r.status).toBe(200);
    expect(r.body.missing).toEqual(["NOPE"]);
    expect(r.body.data.length).toBe(2);
    for (const q of r.body.data) expect(Object.keys(q)).toEqual(["symbol", "price"]);
    const bad = await call("/v1/quotes?symbols=AAPL&fields=symbol,nope", { token });
    expect(bad.status).toBe(400);
    expect(bad.problem.code).toBe("validation_failed");
  });

  it("refuses an envelope name (next_cursor, missing, data) as a field: a list's fields are its items'", async () => {
    await seedAapl();
    const { token } = await userToken();
    for (const path of [
      "/v1/assets/AAPL/prices?limit=2&fields=next_cursor",
      "/v1/assets/AAPL/prices?limit=2&fields=date,data",
      "/v1/assets?fields=next_cursor",
      "/v1/quotes?symbols=AAPL&fields=missing",
      "/v1/assets/AAPL/prices?limit=2&format=csv&fields=next_cursor",
    ]) {
      const r = await call(path, { token });
      expect(r.status, path).toBe(400);
      expect(r.problem.code, path).toBe("validation_failed");
      expect(r.problem.errors?.[0]?.path, path).toBe("fields");
    }
  });

  it("trims the items of a { data } answer without next_cursor (bar revisions)", async () => {
    await seedAapl();
    const { token } = await userToken();
    const r = await call("/v1/assets/AAPL/prices/revisions?date=2024-01-03&fields=close,source", { token });
    expect(r.status).toBe(200);
    expect(r.body.data.length).toBeGreaterThan(0);
    for (const rev of r.body.data) expect(Object.keys(rev)).toEqual(["close", "source"]);
  });

  it("still trims a single object and refuses its unknown fields", async () => {
    const { token } = await userToken();
    const r = await call("/v1/me?fields=id,role", { token });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["id", "role"]);
    const bad = await call("/v1/me?fields=id,password_hash", { token });
    expect(bad.status).toBe(400);
  });
});
