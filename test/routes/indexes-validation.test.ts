// Custom indexes through the real app and D1: definition validation (422s naming the field) and the paged build.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildJob } from "../../src/services/index-builds";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertMarketCap, TWO_EQUAL, weekdays } from "../helpers/market";

let owner: { id: string; token: string };
let _other: { id: string; token: string };
let ids: Map<string, number>;

// Jan 30 – Feb 2 2024: a monthly index rebalances on Jan 30 (base) and Feb 1 (first session of February).
const DAYS = ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"];
const AAA = [10, 20, 20, 10];
const BBB = [10, 10, 10, 10];
const SPY = [100, 110, 99, 110];

const definition = { ...TWO_EQUAL, benchmark: "SPY" };

async function createAndBuild(body: Record<string, unknown> = definition, token = owner.token) {
  const created = await call("/v1/indexes", { method: "POST", token, json: body });
  expect(created.status).toBe(202);
  const stats = await buildJob(env, { index_id: created.body.id, version: created.body.version });
  return { id: created.body.id as string, created, stats };
}

beforeAll(async () => {
  owner = await userToken();
  _other = await userToken();
  ids = await insertAssets([
    { symbol: "AAA", name: "Alpha" },
    { symbol: "BBB", name: "Beta" },
    { symbol: "CCC", name: "Gamma" },
    { symbol: "DDD", name: "Delta" },
    { symbol: "SPY", name: "S&P 500 ETF", asset_class: "etf" },
    { symbol: "NODATA", name: "No bars" },
  ]);
  await insertBars(ids.get("AAA")!, DAYS, (i) => AAA[i]!);
  await insertBars(ids.get("BBB")!, DAYS, (i) => BBB[i]!);
  await insertBars(ids.get("SPY")!, DAYS, (i) => SPY[i]!);
  // a longer history for metrics and market-cap weighting
  const long = weekdays("2023-01-02", 300);
  await insertBars(ids.get("CCC")!, long, (i) => 50 * (1 + 0.3 * Math.sin(i / 9)) + i * 0.05);
  await insertBars(ids.get("DDD")!, long, (i) => 80 * (1 + 0.2 * Math.cos(i / 13)) + i * 0.02);
  await insertMarketCap(ids.get("CCC")!, "2023-01-02", 3e9);
  await insertMarketCap(ids.get("DDD")!, "2023-01-02", 1e9);
});

describe("validation", () => {
  const post = (json: unknown) => call("/v1/indexes", { method: "POST", token: owner.token, json });
  const cases: Array<
    [
      string,
      () => Promise<{ status: number; body: { code?: string; detail?: string }; headers: Headers }>,
      number,
      RegExp?,
    ]
  > = [
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
    expect(min.body.errors).toEqual([{ path: "min_weight", message: expect.stringMatching(/min_weight 0.4/) }]);
    const max = await post({ ...three, max_weight: 0.3 }); // 0.3 × 3 = 0.9 < 1
    expect(max.body.errors).toEqual([{ path: "max_weight", message: expect.stringMatching(/max_weight 0.3/) }]);
  });

  it.each(cases)("%s → problem+json, nothing written", async (_name, send, status, detail) => {
    const indexes = await rowCount("indexes");
    const jobs = await rowCount("jobs");
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("application/problem+json");
    expect(r.body.code).toBe(status === 415 ? "unsupported_media_type" : "validation_failed");
    if (detail) expect(r.body.detail).toMatch(detail);
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
      expect(r.body.code).toBe("validation_failed");
      expect(r.body.errors).toContainEqual({
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
    expect(needsWeights.body.errors).toContainEqual({ path: "weights", message: "custom weighting needs weights" });
    expect((await call(`/v1/indexes/${id}`, { token: owner.token })).body).toMatchObject({
      version: 1,
      weighting: "equal",
    });
    expect((await call(`/v1/indexes/${id}/values?limit=5000`, { token: owner.token })).status).toBe(400);
    expect((await call(`/v1/indexes/${id}/values?cursor=forged`, { token: owner.token })).status).toBe(400);
  });
});

describe("paged build", () => {
  it("reads 50 assets at a time and matches the engine run on the whole history", async () => {
    const { computeIndex } = await import("../../src/domain/index-levels");
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
    const expected = computeIndex({
      constituents: symbols,
      weighting: "market_cap",
      maxWeight: 0.05,
      rebalance: "monthly",
      baseDate: days[0]!,
      baseValue: 1000,
      prices,
      marketCaps: Object.fromEntries(symbols.map((s, k) => [s, [{ date: days[0]!, value: (k + 1) * 1e8 }]])),
    });
    if (!expected.ok) throw new Error(expected.detail);
    const values = await call(`/v1/indexes/${id}/values?limit=1000`, { token: owner.token });
    expect(values.body.data.map((v: { value: number }) => v.value)).toEqual(expected.value.levels.map((l) => l.value));
    const latest = await call(`/v1/indexes/${id}/allocations`, { token: owner.token });
    const last = expected.value.allocations.at(-1)!;
    expect(latest.body.rebalance_date).toBe(last.rebalance_date);
    expect(
      Object.fromEntries(latest.body.weights.map((w: { symbol: string; weight: number }) => [w.symbol, w.weight])),
    ).toEqual(last.weights);
  });
});
