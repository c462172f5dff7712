// Price alerts.
import { index, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";
import { users } from "./identity";

export const alerts = sqliteTable(
  "alerts",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    condition: text("condition", { enum: ["above", "below"] }).notNull(),
    price: real("price").notNull(),
    status: text("status", { enum: ["active", "triggered"] })
      .notNull()
      .default("active"),
    triggeredAt: text("triggered_at"),
    triggeredPrice: real("triggered_price"),
    ...audit,
    ...softDelete,
  },
  (t) => [index("alerts_symbol_status_idx").on(t.symbol, t.status), index("alerts_owner_idx").on(t.ownerId)],
);
