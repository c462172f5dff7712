// Custom indexes: definitions, the rows of each built version, and backtests of a definition.
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";
import { userRef } from "./identity";

export const indexes = sqliteTable(
  "indexes",
  {
    id: text("id").primaryKey(),
    ownerId: userRef("owner_id"),
    name: text("name").notNull(),
    definition: text("definition", { mode: "json" }).notNull(),
    status: text("status", { enum: ["building", "ready", "failed"] }).notNull(),
    /** The version being built (may be ahead of readyVersion while a build runs). */
    version: integer("version").notNull().default(1),
    /** The version readers see; null until the first build succeeds. */
    readyVersion: integer("ready_version"),
    failureReason: text("failure_reason"),
    benchmarkUsed: text("benchmark_used"),
    builtAt: text("built_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("indexes_owner_idx").on(t.ownerId)],
);

/**
 * One row per build of an index: why it was built, the definition it was built from, a hash of that
 * definition with the engine's methodology version, and the instant its inputs were read as of, so the
 * same definition read at `data_as_of` reproduces the version exactly.
 */
export const indexVersions = sqliteTable(
  "index_versions",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    reason: text("reason", {
      enum: ["created", "changed", "rebuild", "corporate_action", "data_revised"],
    }).notNull(),
    status: text("status", { enum: ["building", "ready", "failed", "superseded"] }).notNull(),
    definition: text("definition", { mode: "json" }).notNull(),
    methodologyHash: text("methodology_hash"),
    dataAsOf: text("data_as_of"),
    /** Build notes: market-cap source per constituent, benchmark used, exclusions. */
    metadata: text("metadata", { mode: "json" }),
    failureReason: text("failure_reason"),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version] })],
);

export const indexValues = sqliteTable(
  "index_values",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    date: text("date").notNull(),
    value: real("value").notNull(),
    dailyReturn: real("daily_return"),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version, t.date] })],
);

/**
 * The holdings one rebalance sets, one row per (index, version, rebalance date): `holdings` is a JSON array of
 * `[asset_id, weight, shares]`, one entry per held asset. A 500-name monthly index over 10 years writes 117 rows
 * per build instead of 58,500 (the build's write phase and D1's rows-written bill).
 */
export const allocationSets = sqliteTable(
  "allocation_sets",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    rebalanceDate: text("rebalance_date").notNull(),
    holdings: text("holdings").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version, t.rebalanceDate] })],
);

export const rebalances = sqliteTable(
  "rebalances",
  {
    indexId: text("index_id")
      .notNull()
      .references(() => indexes.id),
    version: integer("version").notNull(),
    date: text("date").notNull(),
    weightsBefore: text("weights_before", { mode: "json" }).notNull(),
    weightsAfter: text("weights_after", { mode: "json" }).notNull(),
    turnover: real("turnover").notNull(),
    /** JSON arrays of symbols that entered / left at this rebalance. */
    joined: text("joined", { mode: "json" }).notNull().default("[]"),
    left: text("left", { mode: "json" }).notNull().default("[]"),
    /** Too few names were eligible for the caps, so they were widened to 1/n. */
    capsRelaxed: integer("caps_relaxed", { mode: "boolean" }).notNull().default(false),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.indexId, t.version, t.date] })],
);

export const simulations = sqliteTable(
  "simulations",
  {
    id: text("id").primaryKey(),
    ownerId: userRef("owner_id"),
    request: text("request", { mode: "json" }).notNull(),
    status: text("status", { enum: ["queued", "running", "succeeded", "failed"] }).notNull(),
    result: text("result", { mode: "json" }),
    error: text("error"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("simulations_owner_idx").on(t.ownerId)],
);
