// Allocations stored one row per rebalance (allocation_sets): a version written by writeVersion reads back per
// asset exactly as written, and migration 0008 carries rows of the old per-asset table over unchanged. Expected
// rows are the ones inserted here.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readAllocationOn, type VersionRows, writeVersion } from "../../src/db/indexes";
import { userToken } from "../helpers/http";
import { insertAssets } from "../helpers/market";
import { testEnv } from "../helpers/test-env";

async function newIndex(id: string) {
  const { id: ownerId } = await userToken();
  await env.DB.prepare(
    "INSERT INTO indexes (id, owner_id, name, definition, status, version) VALUES (?, ?, 'alloc', '{}', 'building', 1)",
  )
    .bind(id, ownerId)
    .run();
}

describe("allocation_sets", () => {
  it("reads back the holdings of the rebalance in force on a date, per asset, heaviest first", async () => {
    const ids = await insertAssets(["ALA", "ALB", "ALC"].map((symbol) => ({ symbol, name: symbol })));
    const [a, b, c] = ["ALA", "ALB", "ALC"].map((s) => ids.get(s) as number) as [number, number, number];
    await newIndex("idx_alloc1");
    const allocations: VersionRows["allocations"] = [
      {
        rebalance_date: "2024-01-02",
        holdings: [
          [a, 0.5, 5],
          [b, 0.5, 2.5],
        ],
      },
      {
        rebalance_date: "2024-02-01",
        holdings: [
          [a, 0.2, 1.25],
          [b, 0.3, 3],
          [c, 0.5, 7.75],
        ],
      },
    ];
    const rows = { values: [{ date: "2024-01-02", value: 1000, daily_return: null }], allocations, rebalances: [] };
    await writeVersion(env.DB, "idx_alloc1", 1, rows, { benchmarkUsed: null, builtAt: "2024-03-01T00:00:00.000Z" });
    // A retried job writes the same version again in place: still one row per rebalance.
    await writeVersion(env.DB, "idx_alloc1", 1, rows, { benchmarkUsed: null, builtAt: "2024-03-01T00:00:00.000Z" });
    const count = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM allocation_sets WHERE index_id = 'idx_alloc1'",
    ).first<{
      n: number;
    }>();
    expect(count?.n).toBe(2);

    expect(await readAllocationOn(env.DB, "idx_alloc1", 1, "2024-01-31")).toEqual([
      { rebalance_date: "2024-01-02", symbol: "ALA", weight: 0.5, shares: 5 },
      { rebalance_date: "2024-01-02", symbol: "ALB", weight: 0.5, shares: 2.5 },
    ]);
    expect(await readAllocationOn(env.DB, "idx_alloc1", 1, null)).toEqual([
      { rebalance_date: "2024-02-01", symbol: "ALC", weight: 0.5, shares: 7.75 },
      { rebalance_date: "2024-02-01", symbol: "ALB", weight: 0.3, shares: 3 },
      { rebalance_date: "2024-02-01", symbol: "ALA", weight: 0.2, shares: 1.25 },
    ]);
    expect(await readAllocationOn(env.DB, "idx_alloc1", 1, "2023-12-31")).toEqual([]);
  });

  it("migration 0008 carries the per-asset rows over (null shares included)", async () => {
    const ids = await insertAssets(["MGA", "MGB"].map((symbol) => ({ symbol, name: symbol })));
    const [a, b] = ["MGA", "MGB"].map((s) => ids.get(s) as number) as [number, number];
    await newIndex("idx_alloc2");
    // The old table, as 0000 created it (0009 dropped it), with rows shaped as before.
    const create = testEnv.TEST_MIGRATIONS.find((m) => m.name.startsWith("0000_init"))!.queries.find((q) =>
      q.includes("CREATE TABLE `allocations`"),
    )!;
    await env.DB.prepare(create).run();
    await env.DB.prepare(
      `INSERT INTO allocations (index_id, version, rebalance_date, asset_id, weight, shares) VALUES
       ('idx_alloc2', 1, '2024-01-02', ?1, 0.6, NULL), ('idx_alloc2', 1, '2024-01-02', ?2, 0.4, NULL),
       ('idx_alloc2', 2, '2024-01-02', ?2, 1, 10)`,
    )
      .bind(a, b)
      .run();
    const copy = testEnv.TEST_MIGRATIONS.find((m) => m.name.startsWith("0008_allocation_sets"))!.queries.find((q) =>
      q.includes("INSERT INTO `allocation_sets`"),
    )!;
    await env.DB.prepare(copy).run();
    await env.DB.prepare("DROP TABLE allocations").run();

    expect(await readAllocationOn(env.DB, "idx_alloc2", 1, null)).toEqual([
      { rebalance_date: "2024-01-02", symbol: "MGA", weight: 0.6, shares: null },
      { rebalance_date: "2024-01-02", symbol: "MGB", weight: 0.4, shares: null },
    ]);
    expect(await readAllocationOn(env.DB, "idx_alloc2", 2, null)).toEqual([
      { rebalance_date: "2024-01-02", symbol: "MGB", weight: 1, shares: 10 },
    ]);
  });
});
