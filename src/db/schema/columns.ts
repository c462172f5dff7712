// Columns every table shares: RFC 3339 UTC timestamps, and the soft delete of user-facing entities.
import { sql } from "drizzle-orm";
import { text } from "drizzle-orm/sqlite-core";

export const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

/** created_at/updated_at on every table. */
export const audit = {
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
};
/** Soft delete for user-facing entities. */
export const softDelete = { deletedAt: text("deleted_at") };
