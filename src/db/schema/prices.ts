// Daily bars with revisions, and the latest quote per asset.
import { integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { assets } from "./assets";
import { audit } from "./columns";

/**
 * Daily bars with revisions: a changed value for a stored day inserts a new row and stamps the old one
 * `superseded_at`. The current bar is the row with superseded_at IS NULL; `as_of` reads pick the row whose
 * [recorded_at, superseded_at) interval contains the instant. Rows are never deleted.
 */
export const prices = sqliteTable(
  "prices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    assetId: integer("asset_id")
      .notNull()
      .references(() => assets.id),
    date: text("date").notNull(),
    open: real("open").notNull(),
    high: real("high").notNull(),
    low: real("low").notNull(),
    close: real("close").notNull(),
    volume: real("volume").notNull(),
    source: text("source").notNull(),
    recordedAt: text("recorded_at").notNull(),
    supersededAt: text("superseded_at"),
    ...audit,
  },
  (t) => [uniqueIndex("prices_asset_date_recorded_uq").on(t.assetId, t.date, t.recordedAt)],
);

/** Latest quote per asset, the source for /v1/quotes and paper-trading fills. */
export const quotes = sqliteTable("quotes", {
  assetId: integer("asset_id")
    .primaryKey()
    .references(() => assets.id),
  price: real("price").notNull(),
  previousClose: real("previous_close").notNull(),
  ts: text("ts").notNull(),
  source: text("source").notNull(),
  ...audit,
});
