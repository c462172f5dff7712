// Alerts: on a symbol's price, or on a custom index (its level, its drawdown, a constituent's weight drift).
import { index, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";
import { userRef } from "./identity";

export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    ownerId: userRef("owner_id"),
    /** What the alert watches; rows written before index alerts existed are price alerts. */
    kind: text("kind", { enum: ["price", "index_level", "drawdown", "weight_drift"] })
      .notNull()
      .default("price"),
    /** The watched index (index kinds). No foreign key: adding one would make SQLite rebuild the table. */
    indexId: text("index_id"),
    /** The priced symbol (price), the drifting constituent (weight_drift); '' for index_level and drawdown. */
    symbol: text("symbol").notNull(),
    /** The crossing direction; drawdown alerts store 'below', weight_drift alerts 'above'. */
    condition: text("condition", { enum: ["above", "below"] }).notNull(),
    /** The threshold in the kind's unit: a price, an index level, a drawdown fraction, a weight drift fraction. */
    price: real("price").notNull(),
    status: text("status", { enum: ["active", "triggered"] })
      .notNull()
      .default("active"),
    triggeredAt: text("triggered_at"),
    /** The quote that crossed a price alert (kept as it was before index alerts). */
    triggeredPrice: real("triggered_price"),
    /** The observed number that fired any alert: the quote, the level, the drawdown or the weight drift. */
    triggeredValue: real("triggered_value"),
    /** The fired alert in words, as sent on the stream and in `alert.triggered`. */
    message: text("message"),
    ...audit,
    ...softDelete,
  },
  (t) => [
    index("alerts_symbol_status_idx").on(t.symbol, t.status),
    index("alerts_owner_idx").on(t.ownerId),
    index("alerts_kind_status_idx").on(t.kind, t.status),
  ],
);
