// Market data events per asset and date: market caps, splits and dividends, and the adjustment factors derived from them.
import { integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { assets } from "./assets";
import { audit } from "./columns";

export const marketCaps = sqliteTable(
  "market_caps",
  {
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    date: text("date").notNull(),
    marketCap: real("market_cap").notNull(),
    /** Shares outstanding behind the cap when the source reports them (cap = shares × raw close). */
    sharesOutstanding: real("shares_outstanding"),
    source: text("source").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.assetId, t.date] })],
);

export const corporateActions = sqliteTable(
  "corporate_actions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    kind: text("kind", { enum: ["split", "dividend"] }).notNull(),
    date: text("date").notNull(),
    ratio: real("ratio"),
    amount: real("amount"),
    source: text("source").notNull(),
    ...audit,
  },
  (t) => [uniqueIndex("corporate_actions_uq").on(t.assetId, t.kind, t.date)],
);

/** Cumulative adjustment factor for bars with from_date <= date < to_date (CRSP-style), rebuilt per asset. */
export const adjustmentFactors = sqliteTable(
  "adjustment_factors",
  {
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    fromDate: text("from_date").notNull(),
    toDate: text("to_date").notNull(),
    factor: real("factor").notNull(),
    /** Split-only cumulative factor: `adjustment=split` prices and split-adjusted volume. */
    splitFactor: real("split_factor").notNull().default(1),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.assetId, t.fromDate] })],
);
