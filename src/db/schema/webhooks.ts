// Webhook subscriptions and every delivery attempt.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { audit, softDelete } from "./columns";
import { userRef } from "./identity";

export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    ownerId: userRef("owner_id"),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    secret: text("secret").notNull(),
    ...audit,
    ...softDelete,
  },
  (t) => [index("webhooks_owner_idx").on(t.ownerId)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id),
    eventId: text("event_id").notNull(),
    event: text("event").notNull(),
    attempt: integer("attempt").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    nextRetryAt: text("next_retry_at"),
    deliveredAt: text("delivered_at"),
    ...audit,
  },
  (t) => [index("webhook_deliveries_webhook_idx").on(t.webhookId)],
);
