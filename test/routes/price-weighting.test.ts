// Price weighting through the real Worker and D1: a rebalance weighs each constituent by its close as quoted that
// day, so a split stored later changes neither the weights of an earlier rebalance nor a level (point in time).
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { rebuildAdjustmentFactors } from "../../src/db/market-events";
import { buildJob } from "../../src/services/index-builds";
import { call, callAs, userToken } from "../helpers/http";
import { createAndBuild } from "../helpers/index-market";
import { insertAssets, insertBars } from "../helpers/market";

// A monthly index based on Wed 2024-03-27 rebalances then and on Mon 2024-04-01. PWA splits 2:1 on Thu 03-28.
const BEFORE_SPLIT = ["2024-03-26", "2024-03-27"];
const AFTER_SPLIT = ["2024-03-28", "2024-03-29", "2024-04-01", "2024-04-02"];
// Quoted closes: PWA 200 before the split, ~100 after; PWB and PWC 100 throughout.
const PWA = { before: [198, 200], after: [101, 102, 104, 100] };
const definition = {
  name: "Price weighted",
  constituents: ["PWA", "PWB", "PWC"],
  weighting: "price",
  rebalance: "monthly",
  base_date: "2024-03-27",
  base_value: 1000,
};

let owner: { id: string; token: string };
let ids: Map<string, number>;
let id = "";

type RebalanceRow = { date: string; weights_before: Record<string, number>; weights_after: Record<string, number> };
const rebalances = async (version?: number) =>
  (
    await callAs<{ data: RebalanceRow[] }>(`/v1/indexes/${id}/rebalances${version ? `?version=${version}` : ""}`, {
      token: owner.token,
    })
  ).body.data;
const values = async (version?: number) =>
  (
    await callAs<{ data: Array<{ date: string; value: number }> }>(
      `/v1/indexes/${id}/values${version ? `?version=${version}` : ""}`,
      { token: owner.token },
    )
  ).body.data;

beforeAll(async () => {
  owner = await userToken();
  ids = await insertAssets([
    { symbol: "PWA", name: "Price weighted A" },
    { symbol: "PWB", name: "Price weighted B" },
    { symbol: "PWC", name: "Price weighted C" },
  ]);
  // Version 1 is built before the split happens: only the bars up to the base date exist.
  await insertBars(ids.get("PWA")!, BEFORE_SPLIT, (i) => PWA.before[i]!);
  for (const s of ["PWB", "PWC"]) await insertBars(ids.get(s)!, BEFORE_SPLIT, () => 100);
  const built = await createAndBuild(definition, owner.token);
  expect(built.stats.outcome).toBe("ready");
  id = built.id;
  // Then the split and the later bars arrive, and the index is rebuilt on them (version 2).
  await insertBars(ids.get("PWA")!, AFTER_SPLIT, (i) => PWA.after[i]!);
  for (const s of ["PWB", "PWC"]) await insertBars(ids.get(s)!, AFTER_SPLIT, () => 100);
  await env.DB.prepare(
    "INSERT INTO corporate_actions (asset_id, kind, date, ratio, source) VALUES (?, 'split', '2024-03-28', 2, 'test')",
  )
    .bind(ids.get("PWA")!)
    .run();
  await rebuildAdjustmentFactors(env.DB, [ids.get("PWA")!]);
  const rebuilt = await call(`/v1/indexes/${id}/rebuild`, { method: "POST", token: owner.token });
  expect(rebuilt.status).toBe(202);
  expect((await buildJob(env, { index_id: id, version: 2 })).outcome).toBe("ready");
});

describe("price weighting", () => {
  it("weighs the first rebalance by that day's quoted closes (200 : 100 : 100), not the split-adjusted 100 : 100 : 100", async () => {
    const [first, second] = await rebalances();
    expect(first).toMatchObject({
      date: "2024-03-27",
      weights_before: { PWA: 0.5, PWB: 0.25, PWC: 0.25 },
      weights_after: { PWA: 0.5, PWB: 0.25, PWC: 0.25 },
    });
    // After the split quoted and adjusted closes agree: 104 : 100 : 100 of 304.
    expect(second!.date).toBe("2024-04-01");
    expect(second!.weights_before.PWA).toBeCloseTo(104 / 304, 12);
    expect(second!.weights_before.PWB).toBeCloseTo(100 / 304, 12);
    expect(second!.weights_before.PWC).toBeCloseTo(100 / 304, 12);
  });

  it("chains levels on adjusted closes", async () => {
    // Units at 1000: PWA 500 / 100 (200 adjusted by ½) = 5, PWB and PWC 250 / 100 = 2.5.
    // 03-28: 5·101 + 500 = 1005; 03-29: 1010; 04-01: 5·104 + 500 = 1020, rebalanced into 1020/304 units of each;
    // 04-02: 1020/304 × 300.
    const v = (await values()).map((x) => x.value);
    expect(v.slice(0, 4)).toEqual([1000, 1005, 1010, 1020]);
    expect(v[4]).toBeCloseTo((1020 / 304) * 300, 9);
  });

  it("gives the rebalance before the split the same weights and level as the build made before it was known", async () => {
    const [v1] = await rebalances(1);
    const [v2] = await rebalances(2);
    expect(v1!.weights_before).toEqual({ PWA: 0.5, PWB: 0.25, PWC: 0.25 });
    expect(v2!.weights_before).toEqual(v1!.weights_before);
    expect(v2!.weights_after).toEqual(v1!.weights_after);
    expect((await values(2))[0]).toEqual((await values(1))[0]);
  });

  it("previews the same weights from the current adjustment factors", async () => {
    const preview = await call("/v1/indexes/preview", {
      method: "POST",
      token: owner.token,
      json: { ...definition, date: "2024-03-27" },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.date).toBe("2024-03-27");
    const weights = preview.body.weights as Array<{ symbol: string; weight_before_caps: number; weight: number }>;
    expect(weights.map((w) => [w.symbol, w.weight_before_caps, w.weight])).toEqual([
      ["PWA", 0.5, 0.5],
      ["PWB", 0.25, 0.25],
      ["PWC", 0.25, 0.25],
    ]);
  });
});
