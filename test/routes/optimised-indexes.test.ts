// Risk-based weightings through the real app and D1: definition validation, the build job, the stored rebalances.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildJob } from "../../src/services/index-builds";
import { call, userToken } from "../helpers/http";
import { insertAssets, insertBars, weekdays } from "../helpers/market";

let owner: { id: string; token: string };
const DAYS = weekdays("2023-01-02", 400);
/** Deterministic, distinct wiggles per name so every covariance is well defined. */
const closeOf = (k: number) => (i: number) =>
  50 + 10 * k + (3 + k) * Math.sin(i / (5 + k)) + 2 * Math.cos(i / (2 + 0.3 * k));

const body = {
  name: "Min var",
  constituents: ["OPA", "OPB", "OPC", "OPD", "OPE"],
  weighting: "min_variance",
  rebalance: "quarterly",
  base_date: "2024-01-02",
  base_value: 1000,
  lookback_days: 126,
  covariance: "ledoit_wolf",
  max_weight: 0.4,
  group_caps: { Energy: 0.3 },
};

beforeAll(async () => {
  owner = await userToken();
  const ids = await insertAssets([
    { symbol: "OPA", name: "A", sector: "Technology" },
    { symbol: "OPB", name: "B", sector: "Technology" },
    { symbol: "OPC", name: "C", sector: "Energy" },
    { symbol: "OPD", name: "D", sector: "Energy" },
    { symbol: "OPE", name: "E", sector: "Health Care" },
  ]);
  for (const [k, s] of ["OPA", "OPB", "OPC", "OPD", "OPE"].entries())
    await insertBars(ids.get(s) as number, DAYS, closeOf(k));
});

describe("risk-based weightings in an index", () => {
  it("builds a capped min-variance index whose every rebalance holds the sector cap", async () => {
    const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: body });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      weighting: "min_variance",
      lookback_days: 126,
      covariance: "ledoit_wolf",
      group_caps: { Energy: 0.3 },
    });
    const stats = await buildJob(env, { index_id: created.body.id, version: 1 });
    expect(stats.outcome).toBe("ready");
    const rebalances = await call(`/v1/indexes/${created.body.id}/rebalances`, { token: owner.token });
    expect(rebalances.status).toBe(200);
    expect(rebalances.body.data.length).toBeGreaterThan(1);
    for (const r of rebalances.body.data) {
      const w = r.weights_after as Record<string, number>;
      expect((w.OPC ?? 0) + (w.OPD ?? 0)).toBeLessThanOrEqual(0.3 + 1e-9);
      for (const x of Object.values(w)) expect(x).toBeLessThanOrEqual(0.4 + 1e-9);
      expect(Object.values(w).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    const values = await call(`/v1/indexes/${created.body.id}/values?limit=1`, { token: owner.token });
    expect(values.body.data[0]).toMatchObject({ date: "2024-01-02", value: 1000 });
  });

  it("defaults lookback_days to 252 and covariance to ledoit_wolf for a risk-based weighting", async () => {
    const created = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...body, weighting: "hrp", lookback_days: undefined, covariance: undefined, group_caps: undefined },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      lookback_days: 252,
      covariance: "ledoit_wolf",
      group_caps: null,
      max_turnover: null,
    });
  });

  it("refuses lookback_days on a weighting that reads no returns, naming the field", async () => {
    const res = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...body, weighting: "equal", group_caps: undefined },
    });
    expect(res.status).toBe(400);
    expect(res.problem.errors!.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["lookback_days", "covariance"]),
    );
  });

  it("refuses a group cap on a sector no constituent is in (422, path group_caps.<sector>)", async () => {
    const res = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...body, group_caps: { Utilities: 0.2 } },
    });
    expect(res.status).toBe(422);
    expect(res.problem.errors![0]!.path).toBe("group_caps.Utilities");
  });

  it("refuses group caps that leave less than 100% to allocate", async () => {
    const res = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...body, group_caps: { Technology: 0.2, Energy: 0.2 }, max_weight: 0.4 },
    });
    expect(res.status).toBe(422);
    expect(res.problem.errors![0]!.path).toBe("group_caps");
  });

  it("refuses an unknown covariance estimator and a turnover limit above 1", async () => {
    const res = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...body, covariance: "shrunk", max_turnover: 2 },
    });
    expect(res.status).toBe(400);
    expect(res.problem.errors!.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(["covariance", "max_turnover"]),
    );
  });

  it("fails the build, with the reason, when the lookback has no history", async () => {
    const created = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...body, base_date: "2023-01-03", group_caps: undefined },
    });
    const stats = await buildJob(env, { index_id: created.body.id, version: 1 });
    expect(stats.outcome).toBe("failed");
    expect(stats.reason).toMatch(/20 daily returns/);
  });
});
