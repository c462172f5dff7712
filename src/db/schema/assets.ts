// The instrument universe (soft-deleted, never removed: history keeps pointing at it).
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";

export const assets = sqliteTable(
  "assets",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    symbol: text("symbol").notNull().unique(),
    name: text("name").notNull(),
    exchange: text("exchange").notNull(),
    assetClass: text("asset_class").notNull(),
    currency: text("currency").notNull().default("USD"),
    sector: text("sector"),
    listedAt: text("listed_at"),
    delistedAt: text("delisted_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("assets_class_idx").on(t.assetClass), index("assets_exchange_idx").on(t.exchange)],
);
