// Custom indexes through the real app and D1: create → build job → reads, versions, ownership, validation.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { METHODOLOGY_VERSION } from "../../src/domain/methodology";
import { buildJob, rebuildChangedJob } from "../../src/services/index-builds";
import { type CallResult, call, userToken } from "../helpers/http";
import { createAndBuild as buildIndex, definition, insertIndexMarket } from "../helpers/index-market";
import { insertBars } from "../helpers/market";

let owner: { id: string; token: string };
let other: { id: string; token: string };
let ids: Map<string, number>;

const createAndBuild = (body: Record<string, unknown> = definition, token = owner.token) => buildIndex(body, token);

beforeAll(async () => {
  owner = await userToken();
  other = await userToken();
  ids = await insertIndexMarket();
});

describe("create and build", () => {
  it("answers 202 building with the definition echoed, then the job makes it ready", async () => {
    const created = await call("/v1/indexes", { method: "POST", token: owner.token, json: definition });
    expect(created.status).toBe(202);
    expect(created.headers.get("location")).toBe(`/v1/indexes/${created.body.id}`);
    expect(created.body).toMatchObject({
      status: "building",
      version: 1,
      ready_version: null,
      constituents: ["AAA", "BBB"],
      weighting: "equal",
    });
    expect(created.body.id).toMatch(/^idx_/);
    const before = await call(`/v1/indexes/${created.body.id}/values`, { token: owner.token });
    expect(before.status).toBe(409);
    expect(before.body).toMatchObject({ code: "conflict", detail: "index is still building" });

    const stats = await buildJob(env, { index_id: created.body.id, version: 1 });
    expect(stats.outcome).toBe("ready");
    const after = await call(`/v1/indexes/${created.body.id}`, { token: owner.token });
    expect(after.body).toMatchObject({
      status: "ready",
      version: 1,
      ready_version: 1,
      benchmark_used: "SPY",
      failure_reason: null,
    });
    expect(after.body.built_at).toBeTruthy();
  });

  it("computes hand-checked levels, allocations and rebalances", async () => {
    const { id } = await createAndBuild();
    // Jan 30: 1000 = 500/10 → 50 AAA + 500/10 → 50 BBB.  Jan 31: 50·20 + 50·10 = 1500.
    // Feb 1 (rebalance at 1500): 750/20 = 37.5 AAA, 750/10 = 75 BBB, still 1500.  Feb 2: 37.5·10 + 75·10 = 1125.
    const values = await call(`/v1/indexes/${id}/values`, { token: owner.token });
    expect(values.status).toBe(200);
    expect(values.body.data.map((v: { value: number }) => v.value)).toEqual([1000, 1500, 1500, 1125]);
    expect(values.body.data[0]).toEqual({ date: "2024-01-30", value: 1000, daily_return: null });
    expect(values.body.data[3]!.daily_return).toBeCloseTo(1125 / 1500 - 1, 12);
    expect(values.body.next_cursor).toBeNull();

    const page1 = await call(`/v1/indexes/${id}/values?limit=3`, { token: owner.token });
    expect(page1.body.data).toHaveLength(3);
    const page2 = await call(`/v1/indexes/${id}/values?limit=3&cursor=${page1.body.next_cursor}`, {
      token: owner.token,
    });
    expect(page2.body.data.map((v: { date: string }) => v.date)).toEqual(["2024-02-02"]);
    const ranged = await call(`/v1/indexes/${id}/values?start=2024-01-31&end=2024-02-01`, { token: owner.token });
    expect(ranged.body.data.map((v: { date: string }) => v.date)).toEqual(["2024-01-31", "2024-02-01"]);

    const jan = await call(`/v1/indexes/${id}/allocations?date=2024-01-31`, { token: owner.token });
    expect(jan.body).toMatchObject({ date: "2024-01-31", rebalance_date: "2024-01-30" });
    expect(jan.body.weights).toEqual([
      { symbol: "AAA", weight: 0.5, shares: 50 },
      { symbol: "BBB", weight: 0.5, shares: 50 },
    ]);
    const latest = await call(`/v1/indexes/${id}/allocations`, { token: owner.token });
    expect(latest.body.rebalance_date).toBe("2024-02-01");
    expect(latest.body.weights).toEqual([
      { symbol: "AAA", weight: 0.5, shares: 37.5 },
      { symbol: "BBB", weight: 0.5, shares: 75 },
    ]);
    const early = await call(`/v1/indexes/${id}/allocations?date=2023-12-29`, { token: owner.token });
    expect(early.status).toBe(422);

    // Feb 1 drifted weights were 2/3 and 1/3: turnover = ½(|½ − ⅔| + |½ − ⅓|) = 1/6.
    const rebalances = await call(`/v1/indexes/${id}/rebalances`, { token: owner.token });
    expect(rebalances.body.data.map((r: { date: string }) => r.date)).toEqual(["2024-01-30", "2024-02-01"]);
    expect(rebalances.body.data[0]).toMatchObject({
      turnover: 1,
      weights_before: { AAA: 0.5, BBB: 0.5 },
      weights_after: { AAA: 0.5, BBB: 0.5 },
    });
    expect(rebalances.body.data[1]!.turnover).toBeCloseTo(1 / 6, 12);
  });

  it("reports metrics against the benchmark and compares with it rebased", async () => {
    const { id } = await createAndBuild();
    const metrics = await call(`/v1/indexes/${id}/metrics?window=all`, { token: owner.token });
    expect(metrics.status).toBe(200);
    expect(Object.keys(metrics.body).sort()).toEqual(
      [
        "total_return",
        "cagr",
        "volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "max_drawdown_start",
        "max_drawdown_end",
        "var_95",
        "cvar_95",
        "beta",
        "alpha",
        "tracking_error",
        "information_ratio",
        "correlation",
        // v1.1 additions
        "calmar",
        "omega",
        "treynor",
        "up_capture",
        "down_capture",
        "r_squared",
        "downside_beta",
        "skew",
        "kurtosis",
        "best_day",
        "worst_day",
        "hit_rate",
        "max_drawdown_duration_days",
        "recovery_date",
        "var_99",
        "cvar_99",
        "var_95_parametric",
        "var_95_cornish_fisher",
        "annual_turnover",
        "start",
        "end",
        "observations",
        "window_truncated",
        "benchmark_used",
        "coverage_start",
        "coverage_end",
        "partial_coverage",
      ].sort(),
    );
    expect(metrics.body.total_return).toBeCloseTo(0.125, 12);
    expect(metrics.body.max_drawdown).toBeCloseTo(0.25, 12); // 1500 → 1125
    expect(metrics.body).toMatchObject({
      max_drawdown_start: "2024-01-31",
      max_drawdown_end: "2024-02-02",
      var_95: null,
    });
    expect(metrics.body.correlation).not.toBeNull();

    const bench = await call(`/v1/indexes/${id}/benchmark`, { token: owner.token });
    expect(bench.status).toBe(200);
    expect(bench.body).toMatchObject({
      requested: "SPY",
      benchmark_used: "SPY",
      start: "2024-01-30",
      end: "2024-02-02",
      rebased_to: 100,
    });
    expect(bench.body.series.map((p: { index: number }) => p.index)).toEqual([100, 150, 150, 112.5]);
    expect(bench.body.series.map((p: { benchmark: number }) => p.benchmark)).toEqual([100, 110, 99, 110]);
    expect(bench.body.metrics.excess_return).toBeCloseTo(0.125 - 0.1, 12);

    // a benchmark without data falls back to the first configured one that has some
    const fallback = await call(`/v1/indexes/${id}/benchmark?symbol=NODATA`, { token: owner.token });
    expect(fallback.body).toMatchObject({ requested: "NODATA", benchmark_used: "SPY" });
    expect((await call(`/v1/indexes/${id}/metrics?window=bogus`, { token: owner.token })).status).toBe(400);
  });

  it("weights by market cap with a cap, over a year of data", async () => {
    const { id, stats } = await createAndBuild({
      name: "Capped",
      constituents: ["CCC", "DDD"],
      weighting: "market_cap",
      max_weight: 0.6,
      rebalance: "quarterly",
      base_date: "2023-01-02",
      base_value: 100,
    });
    expect(stats.outcome).toBe("ready");
    const first = await call(`/v1/indexes/${id}/rebalances?limit=1`, { token: owner.token });
    expect(first.body.data[0]!.weights_before.CCC).toBeCloseTo(0.75, 9);
    expect(first.body.data[0]!.weights_after).toEqual({ CCC: 0.6, DDD: expect.closeTo(0.4, 9) });
    expect(first.body.next_cursor).toBeTruthy();
    const all = await call(`/v1/indexes/${id}/values?limit=1000`, { token: owner.token });
    expect(all.body.data).toHaveLength(300);
    const m1 = await call(`/v1/indexes/${id}/metrics?window=1y`, { token: owner.token });
    expect(m1.body.var_95).toBeGreaterThan(0);
    expect(m1.body.cvar_95).toBeGreaterThanOrEqual(m1.body.var_95!);
    expect(m1.body.volatility).toBeGreaterThan(0);
  });

  it("marks a build with no prices failed with a reason, and reads answer 409", async () => {
    const created = await call("/v1/indexes", {
      method: "POST",
      token: owner.token,
      json: { ...definition, name: "Empty", constituents: ["NODATA"], benchmark: undefined },
    });
    const stats = await buildJob(env, { index_id: created.body.id, version: 1 });
    expect(stats.outcome).toBe("failed");
    const row = await call(`/v1/indexes/${created.body.id}`, { token: owner.token });
    expect(row.body.status).toBe("failed");
    expect(row.body.failure_reason).toMatch(/price/);
    const values = await call(`/v1/indexes/${created.body.id}/values`, { token: owner.token });
    expect(values.status).toBe(409);
    expect(values.problem.detail).toMatch(/failed/);
  });
});

describe("versions", () => {
  it("keeps readers on the ready version while a new one is written, then flips at once", async () => {
    const { id } = await createAndBuild();
    const changed = await call(`/v1/indexes/${id}`, {
      method: "PATCH",
      token: owner.token,
      json: { rebalance: "none" },
    });
    expect(changed.status).toBe(202);
    expect(changed.body).toMatchObject({ status: "building", version: 2, ready_version: 1, rebalance: "none" });

    // half of version 2 is on disk: readers do not see it
    await env.DB.prepare("INSERT INTO index_values (index_id, version, date, value) VALUES (?, 2, '2024-01-30', -1)")
      .bind(id)
      .run();
    const during = await call(`/v1/indexes/${id}/values`, { token: owner.token });
    expect(during.body.data.map((v: { value: number }) => v.value)).toEqual([1000, 1500, 1500, 1125]);

    // a stale job for version 1 does nothing
    expect((await buildJob(env, { index_id: id, version: 1 })).outcome).toBe("superseded");
    expect((await buildJob(env, { index_id: id, version: 2 })).outcome).toBe("ready");
    // without rebalancing: Feb 2 = 50·10 + 50·10 = 1000
    const after = await call(`/v1/indexes/${id}/values`, { token: owner.token });
    expect(after.body.data.map((v: { value: number }) => v.value)).toEqual([1000, 1500, 1500, 1000]);
    expect((await call(`/v1/indexes/${id}`, { token: owner.token })).body).toMatchObject({
      version: 2,
      ready_version: 2,
      status: "ready",
    });
    // version 1 stays stored
    const kept = await env.DB.prepare("SELECT COUNT(*) AS n FROM index_values WHERE index_id = ? AND version = 1")
      .bind(id)
      .first<{ n: number }>();
    expect(kept?.n).toBe(4);
  });

  it("a rename is a change too (202, new version), rebuilds on demand, and lists the owner's indexes only", async () => {
    const { id } = await createAndBuild();
    const renamed = await call(`/v1/indexes/${id}`, { method: "PATCH", token: owner.token, json: { name: "Renamed" } });
    expect(renamed.status).toBe(202);
    expect(renamed.body).toMatchObject({ name: "Renamed", version: 2, status: "building" });
    // readers keep the ready version meanwhile
    expect((await call(`/v1/indexes/${id}/values`, { token: owner.token })).status).toBe(200);
    const rebuild = await call(`/v1/indexes/${id}/rebuild`, { method: "POST", token: owner.token });
    expect(rebuild.status).toBe(202);
    expect(rebuild.body).toMatchObject({ id, status: "building", version: 3 });
    expect(rebuild.body.job_id).toMatch(/^job_/);

    const mine = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: CallResult<{ data: { id: string }[]; next_cursor: string | null }> = await call(
        `/v1/indexes?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        { token: owner.token },
      );
      expect(page.status).toBe(200);
      for (const ix of page.body.data) mine.add(ix.id);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(mine.has(id)).toBe(true);
    expect((await call("/v1/indexes", { token: other.token })).body.data).toEqual([]);
  });

  it("soft-deletes: the index disappears, its rows stay", async () => {
    const { id } = await createAndBuild();
    expect((await call(`/v1/indexes/${id}`, { method: "DELETE", token: owner.token })).status).toBe(204);
    expect((await call(`/v1/indexes/${id}`, { token: owner.token })).status).toBe(404);
    expect((await call(`/v1/indexes/${id}`, { method: "DELETE", token: owner.token })).status).toBe(404);
    const kept = await env.DB.prepare("SELECT deleted_at FROM indexes WHERE id = ?")
      .bind(id)
      .first<{ deleted_at: string }>();
    expect(kept?.deleted_at).toBeTruthy();
  });

  it("audits every mutation: create, update, rebuild, delete", async () => {
    const { id } = await createAndBuild();
    await call(`/v1/indexes/${id}`, { method: "PATCH", token: owner.token, json: { name: "Audited" } });
    await call(`/v1/indexes/${id}`, { method: "PATCH", token: owner.token, json: { rebalance: "quarterly" } });
    await call(`/v1/indexes/${id}/rebuild`, { method: "POST", token: owner.token });
    await call(`/v1/indexes/${id}`, { method: "DELETE", token: owner.token });
    const rows = await env.DB.prepare("SELECT actor, action, outcome FROM audit_log WHERE target = ? ORDER BY id")
      .bind(id)
      .all();
    expect(rows.results.map((r) => r.action)).toEqual([
      "index.create",
      "index.update",
      "index.update",
      "index.rebuild",
      "index.delete",
    ]);
    expect(rows.results.every((r) => r.actor === owner.id && r.outcome === "success")).toBe(true);
  });

  it("nightly: rebuilds an index whose ready version an older engine built, once", async () => {
    const { id } = await createAndBuild();
    const meta = await env.DB.prepare("SELECT metadata FROM index_versions WHERE index_id = ? AND version = 1")
      .bind(id)
      .first<{ metadata: string }>();
    expect(JSON.parse(meta!.metadata).engine).toBe(METHODOLOGY_VERSION);
    expect((await rebuildChangedJob(env)).rebuilt).not.toContain(id);
    // As if version 1 had been built before the engine's methodology changed.
    await env.DB.prepare(
      "UPDATE index_versions SET metadata = json_set(metadata, '$.engine', '2026.11-old') WHERE index_id = ? AND version = 1",
    )
      .bind(id)
      .run();
    expect((await rebuildChangedJob(env)).rebuilt).toContain(id);
    const row = await call(`/v1/indexes/${id}`, { token: owner.token });
    expect(row.body).toMatchObject({ status: "building", version: 2, ready_version: 1 });
    // While version 2 is building, the next night does not ask again.
    expect((await rebuildChangedJob(env)).rebuilt).not.toContain(id);
  });

  it("nightly: rebuilds only indexes whose constituents' prices changed after the build", async () => {
    const { id } = await createAndBuild();
    const quiet = await rebuildChangedJob(env);
    expect(quiet.rebuilt).not.toContain(id);
    // a revised bar for AAA lands after the build
    await insertBars(ids.get("AAA")!, ["2024-02-02"], () => 11, new Date(Date.now() + 1000).toISOString());
    const changed = await rebuildChangedJob(env);
    expect(changed.rebuilt).toContain(id);
    const row = await call(`/v1/indexes/${id}`, { token: owner.token });
    expect(row.body).toMatchObject({ status: "building", version: 2, ready_version: 1 });
    await insertBars(ids.get("AAA")!, ["2024-02-02"], () => 10, new Date(Date.now() + 2000).toISOString());
  });
});

describe("ownership", () => {
  it("answers 404 on every route for another user's index", async () => {
    const { id } = await createAndBuild();
    const t = other.token;
    const gets = ["", "/values", "/allocations", "/rebalances", "/metrics", "/benchmark"];
    for (const suffix of gets) {
      const r = await call(`/v1/indexes/${id}${suffix}`, { token: t });
      expect(r.status, suffix).toBe(404);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await call(`/v1/indexes/${id}`, { method: "PATCH", token: t, json: { name: "x" } })).status).toBe(404);
    expect((await call(`/v1/indexes/${id}`, { method: "DELETE", token: t })).status).toBe(404);
    expect((await call(`/v1/indexes/${id}/rebuild`, { method: "POST", token: t })).status).toBe(404);
    expect((await call(`/v1/indexes/${id}`, { token: owner.token })).body.name).toBe("Two Equal");
    expect((await call("/v1/indexes/idx_doesnotexist", { token: owner.token })).status).toBe(404);
    expect((await call(`/v1/indexes/${id}`)).status).toBe(401);
  });
});
