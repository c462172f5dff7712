// Paper trading: orders, fills, the cash ledger (integer minor units), positions and the splits applied to them.
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";
import { userRef } from "./identity";

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    ownerId: userRef("owner_id"),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    qty: real("qty").notNull(),
    type: text("type", { enum: ["market", "limit"] }).notNull(),
    limitPrice: real("limit_price"),
    timeInForce: text("time_in_force", { enum: ["day", "gtc"] })
      .notNull()
      .default("day"),
    status: text("status", { enum: ["open", "filled", "canceled", "expired", "rejected"] }).notNull(),
    filledQty: real("filled_qty").notNull().default(0),
    avgFillPrice: real("avg_fill_price"),
    filledAt: text("filled_at"),
    canceledAt: text("canceled_at"),
    /** When an open `day` order lapses (its session's close); null for gtc. */
    expiresAt: text("expires_at"),
    ...audit,
    ...softDelete,
  },
  (t) => [
    index("orders_owner_status_idx").on(t.ownerId, t.status),
    index("orders_symbol_status_idx").on(t.symbol, t.status),
  ],
);

export const fills = sqliteTable(
  "fills",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    ownerId: userRef("owner_id"),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    qty: real("qty").notNull(),
    price: real("price").notNull(),
    feeMinor: integer("fee_minor").notNull().default(0),
    ...audit,
  },
  (t) => [index("fills_owner_idx").on(t.ownerId)],
);

/** Append-only cash ledger in integer minor units; the balance is the sum. */
export const ledger = sqliteTable(
  "ledger",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ownerId: userRef("owner_id"),
    amountMinor: integer("amount_minor").notNull(),
    kind: text("kind", { enum: ["deposit", "buy", "sell", "fee", "dividend"] }).notNull(),
    ref: text("ref"),
    ...audit,
  },
  (t) => [index("ledger_owner_idx").on(t.ownerId)],
);

export const positions = sqliteTable(
  "positions",
  {
    ownerId: userRef("owner_id"),
    symbol: text("symbol").notNull(),
    qty: real("qty").notNull(),
    /** Total cost of the open quantity in minor units (avg_cost = cost / qty). */
    costMinor: integer("cost_minor").notNull(),
    realizedPnlMinor: integer("realized_pnl_minor").notNull().default(0),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.symbol] })],
);

/**
 * One row per (owner, symbol, split date) whose paper holdings were adjusted: the proof a split is applied once
 * (redelivered refreshes change nothing) and the record of what it did.
 */
export const positionSplits = sqliteTable(
  "position_splits",
  {
    ownerId: userRef("owner_id"),
    symbol: text("symbol").notNull(),
    splitDate: text("split_date").notNull(),
    ratio: real("ratio").notNull(),
    /** Shares held from before the split date (net of fills before it). */
    heldBefore: real("held_before").notNull(),
    sharesAdded: real("shares_added").notNull(),
    ...audit,
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.symbol, t.splitDate] })],
);
