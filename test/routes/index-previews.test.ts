// Previews through the real app and D1: hand-derived weights, caps and trades; nothing is ever stored.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildJob } from "../../src/services/index-builds";
import { call, rowCount, userToken } from "../helpers/http";
import { insertAssets, insertBars, insertMarketCap, weekdays } from "../helpers/market";

let owner: { id: string; token: string };
let other: { id: string; token: string };
const DAYS = weekdays("2024-03-01", 45); // 2024-03-01 … 2024-05-02
const TABLES = ["indexes", "index_versions", "index_values", "allocation_sets", "rebalances", "jobs", "audit_log"];
const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await rowCount(t)])));

/** Returns +r, −r, +r, … compounded: the series of VLB has exactly twice the returns of VLA. */
const alternating = (r: number) => (i: number) => {
  let close = 100;
  for (let k = 1; k <= i; k++) close *= 1 + (k % 2 === 1 ? r : -r);
  return close;
};

const capIndex = {
  constituents: ["PVA", "PVB", "PVC"],
  weighting: "market_cap",
  max_weight: 0.4,
  rebalance: "monthly",
  base_date: "2024-03-01",
};

beforeAll(async () => {
  owner = await userToken();
  other = await userToken();
  const ids = await insertAssets([
    { symbol: "PVA", name: "Preview A" },
    { symbol: "PVB", name: "Preview B" },
    { symbol: "PVC", name: "Preview C" },
    { symbol: "VLA", name: "Low vol" },
    { symbol: "VLB", name: "High vol" },
    { symbol: "EQA", name: "Equal A" },
    { symbol: "EQB", name: "Equal B" },
  ]);
  for (const s of ["PVA", "PVB", "PVC"]) await insertBars(ids.get(s)!, DAYS, () => 10);
  // Point in time: caps 6/3/1 bn from March 1; from April 1 PVA is worth 1 bn.
  await insertMarketCap(ids.get("PVA")!, "2024-03-01", 6e9);
  await insertMarketCap(ids.get("PVB")!, "2024-03-01", 3e9);
  await insertMarketCap(ids.get("PVC")!, "2024-03-01", 1e9);
  await insertMarketCap(ids.get("PVA")!, "2024-04-01", 1e9);
  await insertBars(ids.get("VLA")!, DAYS, alternating(0.01));
  await insertBars(ids.get("VLB")!, DAYS, alternating(0.02));
  // EQA: 10 until April 15, then 20; EQB stays 10.
  await insertBars(ids.get("EQA")!, DAYS, (i) => (DAYS[i]! < "2024-04-15" ? 10 : 20));
  await insertBars(ids.get("EQB")!, DAYS, () => 10);
});

describe("POST /v1/indexes/preview", () => {
  it("caps market-cap weights with the cap known on the date and names the binding cap, storing nothing", async () => {
    const before = await counts();
    const march = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, date: "2024-03-15" },
    });
    expect(march.status).toBe(200);
    // Raw 0.6/0.3/0.1; PVA capped at 0.4 → its 0.2 goes pro rata to PVB (0.15 → 0.45) and PVC (0.05 → 0.15);
    // PVB now breaks the cap: 0.4, its 0.05 goes to PVC → 0.2.
    expect(march.body.date).toBe("2024-03-15");
    const w = march.body.weights;
    expect(w.map((x: { symbol: string }) => x.symbol)).toEqual(["PVA", "PVB", "PVC"]);
    [0.6, 0.3, 0.1].forEach((x, i) => {
      expect(w[i]!.weight_before_caps).toBeCloseTo(x, 12);
    });
    [0.4, 0.4, 0.2].forEach((x, i) => {
      expect(w[i]!.weight).toBeCloseTo(x, 12);
    });
    // PVA and PVB sit on the cap; PVC was only raised by the redistribution: not capped.
    expect(w.map((x: { capped: boolean }) => x.capped)).toEqual([true, true, false]);
    expect(march.body.binding_caps).toEqual([{ cap: "max_weight", limit: 0.4, symbols: ["PVA", "PVB"] }]);
    expect(march.body.caps_relaxed).toBe(false);

    // From April PVA's 1 bn applies: raw 0.2/0.6/0.2 → PVB 0.4, the 0.2 split evenly: 0.3/0.4/0.3.
    const april = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, date: "2024-04-06" }, // a Saturday: the session is Friday April 5
    });
    expect(april.status).toBe(200);
    expect(april.body.date).toBe("2024-04-05");
    [0.2, 0.6, 0.2].forEach((x, i) => {
      expect(april.body.weights[i]!.weight_before_caps).toBeCloseTo(x, 12);
    });
    [0.3, 0.4, 0.3].forEach((x, i) => {
      expect(april.body.weights[i]!.weight).toBeCloseTo(x, 12);
    });
    expect(april.body.binding_caps).toEqual([{ cap: "max_weight", limit: 0.4, symbols: ["PVB"] }]);

    // Without a date: the latest session.
    const latest = await call("/v1/indexes/preview", { method: "POST", token: owner.token, json: capIndex });
    expect(latest.body.date).toBe(DAYS.at(-1));
    expect(await counts()).toEqual(before);
  });

  it("previews a risk-based weighting: inverse volatility of returns exactly twice as large is 2/3 : 1/3", async () => {
    const res = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: {
        constituents: ["VLA", "VLB"],
        weighting: "inverse_volatility",
        covariance: "sample",
        lookback_days: 20,
        rebalance: "monthly",
        base_date: "2024-04-01",
        date: "2024-04-30",
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.weights[0]).toMatchObject({ symbol: "VLA", capped: false });
    expect(res.body.weights[0]!.weight).toBeCloseTo(2 / 3, 9);
    expect(res.body.weights[1]!.weight).toBeCloseTo(1 / 3, 9);
    expect(res.body.binding_caps).toEqual([]);
  });

  it("validates like POST /v1/indexes: unknown field, infeasible caps, unknown symbol, no session", async () => {
    const before = await counts();
    const unknown = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, colour: "red" },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.problem.errors).toEqual([{ path: "colour", message: "not allowed" }]);
    const infeasible = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, max_weight: 0.3 },
    });
    expect(infeasible.status).toBe(422);
    const symbol = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, constituents: ["PVA", "PVB", "NOPE"] },
    });
    expect(symbol.status).toBe(422);
    expect(symbol.problem.errors![0]!.path).toBe("constituents");
    const early = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, date: "2023-01-10" },
    });
    expect(early.status).toBe(422);
    expect(early.problem.errors![0]!.path).toBe("date");
    // A date in the future is named as such (not "no session"); too little history for a risk-based weighting
    // on the date asked for names `date`, the field to change.
    const future = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...capIndex, date: "2099-01-05" },
    });
    expect(future.status).toBe(422);
    expect(future.problem.errors![0]).toMatchObject({ path: "date", message: expect.stringContaining("after today") });
    const short = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: {
        constituents: ["VLA", "VLB"],
        weighting: "inverse_volatility",
        rebalance: "monthly",
        base_date: "2024-03-01",
        date: "2024-03-05",
      },
    });
    expect(short.status).toBe(422);
    expect(short.problem.errors![0]!.path).toBe("date");
    expect(await counts()).toEqual(before);
  });
});

describe("POST /v1/indexes/{id}/rebalance-preview", () => {
  let id: string;
  beforeAll(async () => {
    const created = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: {
        name: "Eq",
        constituents: ["EQA", "EQB"],
        weighting: "equal",
        rebalance: "monthly",
        base_date: "2024-03-01",
      },
    });
    id = created.body.id;
    expect((await buildJob(env, { index_id: id, version: 1 })).outcome).toBe("ready");
  });

  it("trades from the drifted weights in force to the target, with its fee, storing nothing", async () => {
    const before = await counts();
    const res = await call(`/v1/indexes/${id}/rebalance-preview`, {
      method: "POST",
      token: owner.token,
      json: { date: "2024-04-16", fee_bps: 10 },
    });
    expect(res.status).toBe(200);
    // April 1 rebalance at 1000 (both at 10): 50 units each. On April 16 EQA is 20: 50·20 + 50·10 = 1500,
    // in force 2/3 and 1/3; back to ½/½: Σ|Δw| = 1/3, one-way turnover 1/6, fee 1/3 × 10 bp of 1500 = 0.5.
    expect(res.body.date).toBe("2024-04-16");
    expect(res.body.level).toBeCloseTo(1500, 9);
    const byName = Object.fromEntries(res.body.trades.map((t) => [t.symbol, t]));
    expect(byName.EQA!.weight_in_force).toBeCloseTo(2 / 3, 12);
    expect(byName.EQA!.change).toBeCloseTo(-1 / 6, 12);
    expect(byName.EQB!.weight_in_force).toBeCloseTo(1 / 3, 12);
    expect(res.body.turnover).toBeCloseTo(1 / 6, 12);
    expect(res.body.traded).toBeCloseTo(1 / 3, 12);
    expect(res.body.cost).toBeCloseTo(1 / 3 / 1000, 15);
    expect(res.body.cost_points).toBeCloseTo(0.5, 9);
    expect(res.body.weights.map((w: { weight: number }) => w.weight)).toEqual([0.5, 0.5]);
    expect(res.body).toMatchObject({ joined: [], left: [], binding_caps: [], fee_bps: 10 });
    expect(await counts()).toEqual(before);
  });

  it("on a scheduled rebalance date it is the stored rebalance", async () => {
    const stored = await call(`/v1/indexes/${id}/rebalances`, { token: owner.token });
    const may = stored.body.data.find((r: { date: string }) => r.date === "2024-05-01");
    const res = await call(`/v1/indexes/${id}/rebalance-preview`, {
      method: "POST",
      token: owner.token,
      json: { date: "2024-05-01" },
    });
    expect(res.body.turnover).toBe(may!.turnover);
    expect(
      Object.fromEntries(res.body.weights.map((w: { symbol: string; weight: number }) => [w.symbol, w.weight])),
    ).toEqual(may!.weights_after);
    expect(res.body.cost).toBe(0);
  });

  it("answers 404 for another owner's index and 422 before the base date or for a bad fee", async () => {
    const foreign = await call(`/v1/indexes/${id}/rebalance-preview`, { method: "POST", token: other.token, json: {} });
    expect(foreign.status).toBe(404);
    const early = await call(`/v1/indexes/${id}/rebalance-preview`, {
      method: "POST",
      token: owner.token,
      json: { date: "2024-02-20" },
    });
    expect(early.status).toBe(422);
    const fee = await call(`/v1/indexes/${id}/rebalance-preview`, {
      method: "POST",
      token: owner.token,
      json: { fee_bps: -1 },
    });
    expect(fee.status).toBe(400);
    expect(fee.problem.errors![0]!.path).toBe("fee_bps");
  });
});
