// Custom indexes through the real app and D1: definition validation (422s naming the field) and the paged build.
import { beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../helpers/answers";
import { call, rowCount, userToken } from "../helpers/http";
import { createAndBuild as buildIndex, definition, insertIndexMarket } from "../helpers/index-market";
import { insertAssets, insertBars, insertMarketCap, weekdays } from "../helpers/market";

let owner: { id: string; token: string };

const createAndBuild = (body: Record<string, unknown> = definition, token = owner.token) => buildIndex(body, token);

beforeAll(async () => {
  owner = await userToken();
  await insertIndexMarket();
});

describe("validation", () => {
  const post = (json: unknown) => call("/v1/indexes", { method: "POST", token: owner.token, json });
  const cases: Array<[string, () => Promise<{ status: number; problem: Problem; headers: Headers }>, number, RegExp?]> =
    [
      [
        "malformed JSON",
        () =>
          call("/v1/indexes", {
            method: "POST",
            token: owner.token,
            headers: { "content-type": "application/json" },
            body: "{nope",
          }),
        400,
      ],
      ["wrong types", () => post({ ...definition, constituents: "AAA" }), 400],
      ["unknown field", () => post({ ...definition, colour: "red" }), 400],
      ["missing field", () => post({ name: "x", constituents: ["AAA"] }), 400],
      ["duplicate constituents", () => post({ ...definition, constituents: ["AAA", "AAA"] }), 400],
      ["no constituents", () => post({ ...definition, constituents: [] }), 400],
      ["not a calendar date", () => post({ ...definition, base_date: "2024-02-30" }), 400],
      ["custom without weights", () => post({ ...definition, weighting: "custom" }), 400],
      [
        "custom weights naming others",
        () => post({ ...definition, weighting: "custom", weights: { AAA: 1, CCC: 1 } }),
        400,
      ],
      ["weights without custom", () => post({ ...definition, weights: { AAA: 1, BBB: 1 } }), 400],
      ["max_weight out of range", () => post({ ...definition, max_weight: 1.5 }), 400],
      ["infeasible caps", () => post({ ...definition, max_weight: 0.3 }), 422, /max_weight 0.3/],
      [
        "min above max",
        () => post({ ...definition, constituents: ["AAA", "BBB", "CCC"], max_weight: 0.4, min_weight: 0.5 }),
        422,
      ],
      ["unknown constituents", () => post({ ...definition, constituents: ["AAA", "ZZZ1", "ZZZ2"] }), 422, /ZZZ1, ZZZ2/],
      ["unknown benchmark", () => post({ ...definition, benchmark: "ZZZ3" }), 422, /ZZZ3/],
      ["future base date", () => post({ ...definition, base_date: "2099-01-02" }), 422, /future/],
      [
        "text body",
        () =>
          call("/v1/indexes", {
            method: "POST",
            token: owner.token,
            headers: { "content-type": "text/plain" },
            body: "x",
          }),
        415,
      ],
    ];

  it("blames the field that makes the caps impossible", async () => {
    const three = { ...definition, constituents: ["AAA", "BBB", "CCC"] };
    const min = await post({ ...three, min_weight: 0.4 }); // 0.4 × 3 = 1.2 > 1
    expect(min.status).toBe(422);
    expect(min.problem.errors).toEqual([{ path: "min_weight", message: expect.stringMatching(/min_weight 0.4/) }]);
    const max = await post({ ...three, max_weight: 0.3 }); // 0.3 × 3 = 0.9 < 1
    expect(max.problem.errors).toEqual([{ path: "max_weight", message: expect.stringMatching(/max_weight 0.3/) }]);
  });

  it.each(cases)("%s → problem+json, nothing written", async (_name, send, status, detail) => {
    const indexes = await rowCount("indexes");
    const jobs = await rowCount("jobs");
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.problem.code).toBe(status === 415 ? "unsupported_media_type" : "validation_failed");
    if (detail) expect(r.problem.detail).toMatch(detail);
    expect(await rowCount("indexes")).toBe(indexes);
    expect(await rowCount("jobs")).toBe(jobs);
  });

  it("rejects a PATCH that makes the definition infeasible, leaving the index as it was", async () => {
    const { id } = await createAndBuild();
    const r = await call(`/v1/indexes/${id}`, { method: "PATCH", token: owner.token, json: { max_weight: 0.2 } });
    expect(r.status).toBe(422);
    expect((await call(`/v1/indexes/${id}`, { token: owner.token })).body).toMatchObject({
      version: 1,
      max_weight: null,
    });
    expect((await call(`/v1/indexes/${id}`, { method: "PATCH", token: owner.token, json: {} })).status).toBe(400);
  });

  it("answers a body rule broken by a PATCH with the status POST gives it (400), naming the field", async () => {
    const { id } = await createAndBuild();
    const onPost = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...definition, weights: { AAA: 1 } },
    });
    const onPatch = await call(`/v1/indexes/${id}`, {
      method: "PATCH",
      token: owner.token,
      json: { weights: { AAA: 1 } },
    });
    for (const r of [onPost, onPatch]) {
      expect(r.status).toBe(400);
      expect(r.problem.code).toBe("validation_failed");
      expect(r.problem.errors).toContainEqual({
        path: "weights",
        message: "weights are only allowed with custom weighting",
      });
    }
    const needsWeights = await call(`/v1/indexes/${id}`, {
      method: "PATCH",
      token: owner.token,
      json: { weighting: "custom" },
    });
    expect(needsWeights.status).toBe(400);
    expect(needsWeights.problem.errors).toContainEqual({ path: "weights", message: "custom weighting needs weights" });
    expect((await call(`/v1/indexes/${id}`, { token: owner.token })).body).toMatchObject({
      version: 1,
      weighting: "equal",
    });
    expect((await call(`/v1/indexes/${id}/values?limit=5000`, { token: owner.token })).status).toBe(400);
    expect((await call(`/v1/indexes/${id}/values?cursor=forged`, { token: owner.token })).status).toBe(400);
    const reversed = await call(`/v1/indexes/${id}/values?start=2024-06-01&end=2024-01-01`, { token: owner.token });
    expect(reversed.status).toBe(400);
    expect(reversed.problem.errors).toContainEqual({ path: "start", message: "start must not be after end" });
  });
});

describe("paged build", () => {
  let computeIndex: typeof import("../../src/domain/index-levels").computeIndex;
  beforeAll(async () => {
    ({ computeIndex } = await import("../../src/domain/index-levels"));
  });
  /** The engine run on the whole history at once (the paged build must equal it): 5% capped market caps, monthly. */
  const wholeHistory = (
    symbols: string[],
    prices: Record<string, { date: string; close: number }[]>,
    baseDate: string,
    capOf: (k: number) => number,
  ) => {
    const expected = computeIndex({
      constituents: symbols,
      weighting: "market_cap",
      maxWeight: 0.05,
      rebalance: "monthly",
      baseDate,
      baseValue: 1000,
      prices,
      marketCaps: Object.fromEntries(symbols.map((s, k) => [s, [{ date: baseDate, value: capOf(k) }]])),
    });
    if (!expected.ok) throw new Error(expected.detail);
    return expected;
  };

  it("reads 50 assets at a time and matches the engine run on the whole history", async () => {
    const symbols = Array.from({ length: 61 }, (_, i) => `PG${String(i).padStart(2, "0")}`);
    const pageIds = await insertAssets(symbols.map((symbol) => ({ symbol, name: symbol })));
    const days = weekdays("2024-03-01", 45);
    const prices: Record<string, { date: string; close: number }[]> = {};
    for (const [k, symbol] of symbols.entries()) {
      // staggered listings and one early delisting exercise carry-in, joins and leaves across pages
      const from = k % 7 === 3 ? 12 : 0;
      const to = k === 59 ? 20 : days.length;
      const mine = days.slice(from, to);
      const closeOf = (i: number) => 10 + k + Math.sin((i + k) / 3) * 2;
      await insertBars(pageIds.get(symbol)!, mine, (i) => closeOf(i));
      await insertMarketCap(pageIds.get(symbol)!, days[0]!, (k + 1) * 1e8);
      prices[symbol] = mine.map((date, i) => ({ date, close: closeOf(i) }));
    }
    const body = {
      name: "Paged",
      constituents: symbols,
      weighting: "market_cap",
      max_weight: 0.05,
      rebalance: "monthly",
      base_date: days[0],
      base_value: 1000,
    };
    const { id, stats } = await createAndBuild(body);
    expect(stats.outcome).toBe("ready");
    const expected = wholeHistory(symbols, prices, days[0]!, (k) => (k + 1) * 1e8);
    const values = await call(`/v1/indexes/${id}/values?limit=1000`, { token: owner.token });
    expect(values.body.data.map((v: { value: number }) => v.value)).toEqual(expected.value.levels.map((l) => l.value));
    const latest = await call(`/v1/indexes/${id}/allocations`, { token: owner.token });
    const last = expected.value.allocations.at(-1)!;
    expect(latest.body.rebalance_date).toBe(last.rebalance_date);
    expect(
      Object.fromEntries(latest.body.weights.map((w: { symbol: string; weight: number }) => [w.symbol, w.weight])),
    ).toEqual(last.weights);
  });

  it("puts a day that only an asset of a later page traded on in the calendar, as the whole-history engine does", async () => {
    // 52 names: the first page's 50 trade on weekdays; XC50 (second page) also on two Saturdays, one after the
    // base date and one before it (a carry-in); XC51 lists late. Each Saturday is a session of the index.
    const symbols = Array.from({ length: 52 }, (_, i) => `XC${String(i).padStart(2, "0")}`);
    const ids = await insertAssets(symbols.map((symbol) => ({ symbol, name: symbol })));
    const days = weekdays("2024-05-01", 30);
    const prices: Record<string, { date: string; close: number }[]> = {};
    for (const [k, symbol] of symbols.entries()) {
      const mine = k === 50 ? [...days, "2024-04-27", "2024-05-11"].sort() : k === 51 ? days.slice(15) : days.slice(0);
      const closeOf = (i: number) => 20 + k + Math.cos((i + 2 * k) / 4) * 3;
      await insertBars(ids.get(symbol)!, mine, closeOf);
      await insertMarketCap(ids.get(symbol)!, days[0]!, (k + 3) * 1e8);
      prices[symbol] = mine.map((date, i) => ({ date, close: closeOf(i) }));
    }
    const { id, stats } = await createAndBuild({
      name: "Calendar",
      constituents: symbols,
      weighting: "market_cap",
      max_weight: 0.05,
      rebalance: "monthly",
      base_date: days[0],
      base_value: 1000,
    });
    expect(stats.outcome).toBe("ready");
    const expected = wholeHistory(symbols, prices, days[0]!, (k) => (k + 3) * 1e8);
    const values = await call(`/v1/indexes/${id}/values?limit=1000`, { token: owner.token });
    const dates = values.body.data.map((v: { date: string }) => v.date);
    expect(dates).toContain("2024-05-11");
    expect(dates).not.toContain("2024-04-27"); // before the base date: history, not a level
    expect(dates).toEqual(expected.value.levels.map((l) => l.date));
    expect(values.body.data.map((v: { value: number }) => v.value)).toEqual(expected.value.levels.map((l) => l.value));
  });
});
